"""Risk lists (风险清单): the selection of stops, and its PDF and CSV.

- selection: which hazards, in driving order, with everything a stop shows
- pdf: the PDF, rendered by WeasyPrint from templates/reports/
- fetcher: what WeasyPrint may read (our static and media files, nothing else)
- overview_map: the overview map, drawn from our own data as SVG
- fonts: the CJK font, cut once to the characters a risk list uses
- csv_export: the same selection for a spreadsheet
"""
