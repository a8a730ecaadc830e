"""What comes into Floodwatch from files: GPX tracks and drawn lines (tracks.py); registers of hazards
(registers.py, read by tabular.py and ogr.py, mapped by mapping.py, web-map coordinates by coords.py) and
river centerlines (rivers.py), every upload checked first by files.py and XML by xml.py."""
