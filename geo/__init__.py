"""Everything PostGIS: boundaries, locating points, nearby search, audiences."""
