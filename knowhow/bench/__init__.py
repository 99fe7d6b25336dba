"""The compression benchmark: hdf5plugin and h5py codecs on PaN-like HDF5 data, validated,
measured against the physical limits (entropy bound, memcpy), and published as data.

Modules: `datasets` (seeded generators and their noise models), `entropy` (the bounds),
`configs` (the codec registry and applicability rules), `measure` (what runs inside one
isolated process), `runner` (isolation, timeouts, orchestration), `validate` (round-trip,
filter-mask and error-bound checks), `metrics` (speeds, energy), `report` (results as data),
`userfile` (a user's own HDF5 file, untrusted), `distributed` (Dask), `page` (the site page),
`command` (the `knowhow bench` CLI).
"""
