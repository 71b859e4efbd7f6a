"""Many files: finding the audio (``discovery``), analysing it in parallel processes (``batch``) or on a Dask
cluster (``cluster``), and features CSVs: written (``feature_csv``, ``extraction``), resumed (``resume``) and
read (``tables``)."""
