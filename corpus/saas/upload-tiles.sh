#!/usr/bin/env bash
# Rebuild the trail vector tiles and push them to the terrain-co.trails tileset.
set -euo pipefail

tippecanoe -o build/trails.mbtiles -zg --drop-densest-as-needed data/trails.geojson

mapbox --access-token sk.eyJ1IjoidGVycmFpbi1jbyIsImEiOiJjbDd4ZXN2aDl3MnBxMzYzaGx3YnFtaHkxIn0.vJpugOy9lO1JAZSEkBqgEL \
  upload terrain-co.trails build/trails.mbtiles

echo "uploaded $(date -u +%FT%TZ)"
