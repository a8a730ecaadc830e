"""The load test's users (bench/load.py starts them): people already logged in using the map, the API and the
lists, and engineers posting progress, each on an order of their own."""

import json
import os
import random

from locust import HttpUser, between, task

PLAN = json.load(open(os.environ["LOAD_PLAN"], encoding="utf-8"))
ENGINEERS = list(PLAN["engineers"])


class Reader(HttpUser):
    """A leader or inspector on the map and the register."""

    weight = 4
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.client.cookies.set("sessionid", random.choice(PLAN["readers"]))

    @task(8)
    def tile(self):
        z, x, y = random.choice(PLAN["tiles"])
        self.client.get(f"/tiles/hazards/{z}/{x}/{y}.{PLAN['tile_format']}", name="tile")

    @task(3)
    def popup(self):
        self.client.get(f"/api/hazards/{random.choice(PLAN['codes'])}/", name="/api/hazards/<code>/")

    @task(2)
    def bbox(self):
        self.client.get("/api/hazards/?bbox=" + random.choice(PLAN["bboxes"]), name="/api/hazards/?bbox= (~200)")

    @task(3)
    def hazard_list(self):
        query = random.choice(["", "?min_risk=high&open=true", "?sort=risk", "?status=in_progress"])
        self.client.get(f"/hazards/{query}{'&' if query else '?'}page={random.randint(1, 50)}", name="/hazards/ list")

    @task(1)
    def hazard_page(self):
        self.client.get(f"/hazards/{random.choice(PLAN['codes'])}/", name="/hazards/<code>/")


class Engineer(HttpUser):
    """An engineer on a phone: their orders, and progress on one of them."""

    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.slot = ENGINEERS.pop()
        self.client.cookies.set("sessionid", self.slot["session"])
        self.client.cookies.set("csrftoken", self.slot["csrf"])

    @task(1)
    def my_orders(self):
        self.client.get("/work-orders/mine/", name="/work-orders/mine/")

    @task(2)
    def progress(self):
        slot = self.slot
        percent = min(99, slot["percent"] + 1)
        with self.client.post(f"/api/work-orders/{slot['order']}/progress/", name="progress post",
                              data={"percent": percent, "note": "负载测试进度", "version": slot["version"]},
                              headers={"X-CSRFToken": slot["csrf"]}, catch_response=True) as response:
            if response.status_code == 201:
                slot["version"] = response.json()["properties"]["version"]
                slot["percent"] = percent
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
