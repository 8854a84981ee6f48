"""The /health answer of the Tria AI-BPO chatbot, as the deployment guide documents it."""

VERSION = "1.1.0"


def health() -> dict:
    return {"status": "healthy", "version": VERSION}
