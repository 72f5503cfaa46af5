"""A GitHub-compatible fake REST server for meetbot's publishing tests.

    github = FakeGitHub().start()
    github.add_repository("conda", "governance", branches={"main"})
    github.add_token("ghp_good")                      # push allowed; add_token(..., push=False)
    GitHub(github.url, "ghp_good").pull_request(...)  # the real client, over HTTP
    github.fail("POST", "/repos/conda/governance/pulls", 502)  # the next call answers 502
    github.hang("GET", "/repos/conda/governance/pulls", 5.0)   # no answer for 5 s
    github.pulls("conda", "governance"); github.requests       # what it holds; what was asked
    github.stop()

server.py's docstring lists the GitHub docs pages it follows.
"""

from __future__ import annotations

from .server import FakeGitHub, FakeRepository, Fault, RecordedRequest, Token

__all__ = ["FakeGitHub", "FakeRepository", "Fault", "RecordedRequest", "Token"]
