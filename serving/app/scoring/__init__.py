"""Batch scoring: a CSV or Parquet input (a file or a folder, local or S3) scored in bounded chunks.

`python -m app.scoring score INPUT OUTPUT` for one machine, `--shards N` for an array job, then
`python -m app.scoring finalize OUTPUT --shards N`. No web framework here, and nothing heavier
than pyarrow and pydantic at import time: the model is loaded by the scorer factory in `main()`.
"""
