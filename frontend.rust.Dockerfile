# The stagetrail frontend image built from source: the ordinary user path.
#
# Run from the repository top (frontend.rust.Dockerfile.dockerignore keeps target/ and .stack/ out):
#   docker buildx build -f frontend.rust.Dockerfile -t REGISTRY/stagetrail/frontend:TAG --push .
# The binary is linked statically against glibc so it runs in an empty (scratch) image.
# For the test stack, which cannot pull a rust image, see frontend.Dockerfile and scripts/frontend-image.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN RUSTFLAGS='-C target-feature=+crt-static' \
    cargo build --release --locked --target x86_64-unknown-linux-gnu \
 && cp target/x86_64-unknown-linux-gnu/release/stagetrail /stagetrail

FROM scratch
COPY --from=build /stagetrail /bin/stagetrail
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/bin/stagetrail", "frontend"]
