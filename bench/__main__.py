"""`python -m bench` runs every benchmark."""

from bench import map_layers

map_layers.main()
