import sys

from deployment.batch_jobs.cli import main

sys.exit(main())
