"""Submit and watch batch scoring runs on AWS Batch (the stack of service_deployment/batch_scoring.py).

python -m deployment.batch_jobs submit s3://bucket/in/ s3://bucket/out/run-1 --shards 8
"""
