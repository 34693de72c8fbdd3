"""`python app.py`: the pagelens app on embedded defaults (settings from PAGELENS_* env vars).

A library folder with an embedded Chroma (./pagelens-library unless PAGELENS_LIBRARY says otherwise), the
offline text lane and answerer, and the sample corpus shipped in the package (pagelens/assets/sample) loaded on first start.
"""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from pagelens.config import Settings  # noqa: E402
from pagelens.ui.server import launch  # noqa: E402

if __name__ == "__main__":
    launch(Settings.from_env())
