"""The project: settings, the ground helpers every app may use (env, http, periods, forms) and, at the
top, the root URLs and the home page that compose the apps. The order of the apps: docs/ARCHITECTURE.md."""
