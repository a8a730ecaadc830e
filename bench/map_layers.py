"""The map's hazard layer for 10,000 hazards: our AsGeoJSON path against Django's serializer.

Run with `make bench` (or `python -m bench.map_layers`).
"""

import random

from bench import best_of, setup_django

N_HAZARDS = 10_000


def populate():
    """10,000 hazards spread along both rivers, written in bulk (bench set-up only)."""
    import io

    from django.core.management import call_command

    from hazards.models import Hazard, River

    call_command("load_gis_data", stdout=io.StringIO())
    rng = random.Random(42)
    rows = []
    rivers = list(River.objects.all())
    for n in range(N_HAZARDS):
        river = rivers[n % len(rivers)]
        chainage = rng.uniform(0, river.length_m)
        kind = rng.choice(Hazard.Kind.values)
        rows.append(Hazard(
            code=f"{river.code_prefix}-{n:05d}", title=f"Bench hazard {n}", river=river,
            location=river.point_at(chainage, offset_m=rng.uniform(0, 80)), chainage_m=chainage, offset_m=10,
            bank="left", kind=kind, blockage_pct=rng.uniform(0, 60), risk_level=rng.choice(Hazard.RiskLevel.values),
            status=rng.choice(Hazard.Status.values),
        ))
    Hazard.objects.bulk_create(rows, batch_size=1000)


def main():
    connection = setup_django()
    from django.core import serializers

    from hazards.api import feature_collection, hazard_features
    from hazards.models import Hazard

    populate()
    queryset = Hazard.objects.all()
    fields = ["code", "title", "river", "chainage_m", "kind", "in_main_channel", "blockage_pct", "risk_level",
              "status", "town", "village", "updated_at"]

    ours_ms, ours = best_of(lambda: feature_collection(hazard_features(queryset)), repeat=3)
    base_ms, base = best_of(
        lambda: serializers.serialize("geojson", queryset, geometry_field="location", fields=fields), repeat=3
    )
    print(f"Map hazard layer, {N_HAZARDS:,} hazards ({connection.vendor})")
    print(f"  {'AsGeoJSON in SQL, joined as strings (ours)':48} {ours_ms:8.0f} ms  {len(ours) / 1e6:5.1f} MB")
    print(f"  {'Django geojson serializer (baseline)':48} {base_ms:8.0f} ms  {len(base) / 1e6:5.1f} MB")
    print(f"  ours is {base_ms / ours_ms:.1f}x faster, with popups' labels, thumbnails and open orders included")


if __name__ == "__main__":
    main()
