"""How the AWS Lambda Web Adapter meets the service: the variables that join them, and the readiness check
the adapter derives from them. No CDK import: the benchmark and the tests start the service with these.
"""

from collections.abc import Mapping

# The image's own port (its ENV MODEL_SERVICE_PORT); the adapter must forward to the same one.
SERVICE_PORT = 8000
HEALTH_CHECK_PATH = "/health"
# The adapter's variables that name the app's port, each falling back to the next (adapter 0.9.1).
ADAPTER_PORTS = ("AWS_LWA_READINESS_CHECK_PORT", "AWS_LWA_PORT", "PORT")


# 4 MiB: 5.6 MB once base64-encoded, under the function URL's 6 MB.
FUNCTION_URL_MAX_IMAGE_BYTES = 4 * 1024 * 1024


def adapter_environment(*, port: int = SERVICE_PORT, health_check_path: str = HEALTH_CHECK_PATH) -> dict[str, str]:
    """The function's variables that make gunicorn and the adapter meet: one worker on the port the adapter
    calls, readiness on the service's own check."""
    return {
        # One request at a time per execution environment: a second worker would only double the memory
        # and the time to start.
        "MODEL_SERVICE_WORKERS": "1",
        # Lambda freezes the environment between invocations; on thaw, gunicorn's master would find its
        # worker silent for that long and abort it mid-request. The function's timeout bounds requests instead.
        "MODEL_SERVICE_WORKER_TIMEOUT": "0",
        # A function URL carries at most 6 MB, and a picture arrives base64-encoded (4/3 larger): the
        # pictures the service takes must fit, or a big one dies in Lambda's front end without the 413.
        # (JSON bodies keep the service's 1 MiB.)
        "MODEL_SERVICE_MAX_IMAGE_BYTES": str(FUNCTION_URL_MAX_IMAGE_BYTES),
        # The adapter is the only client, over loopback.
        "MODEL_SERVICE_HOST": "127.0.0.1",
        "MODEL_SERVICE_PORT": str(port),
        "AWS_LWA_PORT": str(port),
        # The adapter's default is `/`, which this service answers 404, and the adapter counts any answer
        # below 500 as ready; /health answers 200 only once the model is loaded and verified.
        "AWS_LWA_READINESS_CHECK_PATH": health_check_path,
    }


def readiness_url(env: Mapping[str, str]) -> str:
    """Where the adapter polls (every 10 ms) before it takes the first invocation: from its variables, with
    its defaults 127.0.0.1, port 8080 and path `/`."""
    host = env.get("AWS_LWA_HOST", env.get("HOST", "127.0.0.1"))
    port = next((env[name] for name in ADAPTER_PORTS if name in env), "8080")
    path = env.get("AWS_LWA_READINESS_CHECK_PATH", env.get("READINESS_CHECK_PATH", "/"))
    return f"http://{host}:{port}{path}"
