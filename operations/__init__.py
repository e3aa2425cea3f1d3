"""Use cases shared by the HTML pages, the JSON API and the CLI: validate, apply rules, write, audit."""
