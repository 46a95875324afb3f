# kiln: one image for every role. `kiln serve --workers 0` is the API alone, `kiln worker --models a,b` a GPU
# worker serving one pool, plain `kiln serve` everything on one box. See compose.yaml and the README's
# "Running on many machines".
#
#   docker build -t kiln .
#   docker build -t kiln --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu126 .
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-runtime-ubuntu22.04
FROM ${CUDA_IMAGE}

# torch comes from the CUDA wheel index first; `pip install .` then keeps it (the version pyproject.toml pins)
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/kiln \
    PATH=/opt/kiln/bin:$PATH

# Python 3.11 (deadsnakes: Ubuntu 22.04's own is 3.10) and espeak-ng, the default narration voice
RUN apt-get update \
    && apt-get install -y --no-install-recommends software-properties-common gpg-agent ca-certificates \
    && add-apt-repository -y ppa:deadsnakes/ppa \
    && apt-get update \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv espeak-ng \
    && apt-get purge -y software-properties-common gpg-agent \
    && apt-get autoremove -y \
    && rm -rf /var/lib/apt/lists/*

RUN python3.11 -m venv /opt/kiln \
    && pip install --upgrade pip \
    && pip install "torch==${TORCH_VERSION}" --index-url "${TORCH_INDEX_URL}"

# the package with its migrations, presets, tiny models' assets and the studio's built bundle (kiln/studio/dist)
WORKDIR /src
COPY pyproject.toml README.md ./
COPY kiln ./kiln
RUN test -f kiln/studio/dist/index.html \
    && pip install . \
    && pip install --no-deps "spandrel==0.4.2" \
    && rm -rf /src

RUN useradd --create-home --uid 10001 --user-group kiln \
    && mkdir -p /data \
    && chown kiln:kiln /data
USER kiln
WORKDIR /data

# every setting is a KILN_* variable (kiln.config.Settings); these suit a container
ENV KILN_HOST=0.0.0.0 \
    KILN_PORT=8000 \
    KILN_DATA_DIR=/data \
    KILN_OUTPUT_DIR=/data/outputs \
    HF_HOME=/data/huggingface

EXPOSE 8000

# ready: the store answers, storage takes a probe file, a worker is live (503 otherwise: urlopen raises)
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('KILN_PORT', '8000')}/readyz\", timeout=4)"]

ENTRYPOINT ["kiln"]
CMD ["serve"]
