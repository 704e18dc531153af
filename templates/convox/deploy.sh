#!/bin/sh
# deploy.sh - deploy a Convox app with its migrations run before promotion:
# build a release, run `migrate up` in a one-off process of that release, and
# promote it only if the migrations succeeded.
#
#   CONVOX_APP=myapp ./deploy.sh [DIR]
set -eu
app=${CONVOX_APP:?set CONVOX_APP to the app name}

# --id prints only the release id on stdout (the build log goes to stderr).
release=$(convox build "${1:-.}" --app "$app" --id)
echo "deploy: release $release built; running its migrations" >&2

# Exits with migrate's status: a failed migration stops the deploy here and
# the current release keeps serving.
convox run web --app "$app" --release "$release" migrate up

convox releases promote "$release" --app "$app"
