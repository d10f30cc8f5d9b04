"""A bare Flask "hello world": the yardstick the benchmark compares our pages against."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, world!"
