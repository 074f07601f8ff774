"""The framework's ceiling: a Flask hello-world, served by the benchmark beside the portal under
the same gunicorn settings (``gunicorn -c scripts/gunicorn.conf.py portal.devtools.hello:app``).

GET answers a short page; POST reads its JSON body and answers a short JSON, as the autosave
does, so both kinds of request have a baseline.
"""

from flask import Flask, Response, jsonify, request

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, world!"


@app.post("/")
def hello_json() -> Response:
    return jsonify(saved=bool(request.get_json(silent=True)))
