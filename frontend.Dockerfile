# The stagetrail frontend image: one static binary, nothing else.
#
# This file expects a build context holding only a prebuilt static `stagetrail` binary;
# `scripts/frontend-image TAG [BINARY]` builds that binary (crt-static, x86_64-unknown-linux-gnu),
# puts it in a temporary context with this file and builds the image into the test stack's engine.
#
# The ordinary user path needs no prebuilt binary: `frontend.rust.Dockerfile` is a multi-stage build
# from a `rust` base image, run from the repository top:
#   docker buildx build -f frontend.rust.Dockerfile -t REGISTRY/stagetrail/frontend:TAG --push .
# Either image is then used from a Dockerfile's first line, `# syntax=REGISTRY/stagetrail/frontend:TAG`,
# or with `--build-arg BUILDKIT_SYNTAX=REGISTRY/stagetrail/frontend:TAG`.
FROM scratch
COPY stagetrail /bin/stagetrail
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/bin/stagetrail", "frontend"]
