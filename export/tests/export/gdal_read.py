"""Reads a vector file with GDAL (osgeo.ogr) and prints its one layer as JSON: driver, feature
count, geometry type, EPSG code, field types, and every feature's point and field values.

usage: gdal_read.py FILE [OPEN_OPTION=VALUE ...]
"""
import json
import sys

from osgeo import gdal, ogr

gdal.UseExceptions()
ogr.UseExceptions()

path, options = sys.argv[1], sys.argv[2:]
dataset = gdal.OpenEx(path, gdal.OF_VECTOR, open_options=options)
if dataset.GetLayerCount() != 1:
    sys.exit(f"{path}: {dataset.GetLayerCount()} layers, expected 1")
layer = dataset.GetLayer(0)
srs = layer.GetSpatialRef()
definition = layer.GetLayerDefn()
fields = [definition.GetFieldDefn(i) for i in range(definition.GetFieldCount())]


def value(feature, field):
    """The field's value; a date GDAL recognised (GeoJSON's driver does) in ISO 8601, UTC."""
    name = field.GetName()
    kind = field.GetType()
    if kind not in (ogr.OFTDate, ogr.OFTDateTime):
        return feature.GetField(name)
    year, month, day, hour, minute, second, tz = feature.GetFieldAsDateTime(name)
    date = f"{year:04}-{month:02}-{day:02}"
    if kind == ogr.OFTDate:
        return date
    if tz != 100:  # GDAL's flag for UTC
        sys.exit(f"{name}: time zone flag {tz}, expected UTC")
    return f"{date}T{hour:02}:{minute:02}:{int(second):02}Z"


out = {
    "driver": dataset.GetDriver().ShortName,
    "count": layer.GetFeatureCount(),
    "geometry": ogr.GeometryTypeToName(layer.GetGeomType()),
    "epsg": srs.GetAuthorityCode(None) if srs else None,
    "fields": {f.GetName(): f.GetTypeName() for f in fields},
    "features": [],
}
for feature in layer:
    point = feature.GetGeometryRef()
    values = {}
    for f in fields:
        name = f.GetName()
        values[name] = value(feature, f) if feature.IsFieldSetAndNotNull(name) else None
    out["features"].append({
        "geometry": point.GetGeometryName(),
        "lon": point.GetX(),
        "lat": point.GetY(),
        "fields": values,
    })
print(json.dumps(out))
