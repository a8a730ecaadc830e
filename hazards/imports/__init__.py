"""What comes into Floodwatch from files: GPX tracks and drawn lines (tracks.py), and more as it comes."""
