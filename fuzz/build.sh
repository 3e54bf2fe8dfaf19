#!/bin/sh
# build.sh [TARGET...]: builds the libFuzzer targets into build/fuzz/ with clang,
# -fsanitize=fuzzer,address,undefined. Run from the repository root. Each target links only
# the few sources it exercises, so it does not need the rest of libseam.
set -eu
CC=${CC:-clang}
OUT=build/fuzz
FLAGS="-std=c11 -pthread -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc"
LIBS=$(pkg-config --libs openssl jansson)

sources() {
	case $1 in
	fuzz_stripe_header) echo src/connectors/stripe.c src/connectors/webhook_sig.c src/core/crypto.c src/core/err.c ;;
	fuzz_stdwebhooks)   echo src/connectors/stdwebhooks.c src/connectors/webhook_sig.c src/core/crypto.c src/core/err.c ;;
	fuzz_traceparent)   echo src/core/ids.c src/core/crypto.c src/core/clock.c ;;
	fuzz_codecs)        echo src/core/crypto.c src/core/clock.c ;;
	fuzz_adyen)         echo src/connectors/adyen.c src/connectors/webhook_sig.c src/core/crypto.c src/core/err.c ;;
	fuzz_http)          echo src/http/server.c src/http/h1.c src/core/log.c src/core/metrics.c src/core/ids.c src/core/crypto.c src/core/clock.c src/core/err.c ;;
	*) echo "unknown target $1" >&2; exit 2 ;;
	esac
}

mkdir -p "$OUT"
targets=${*:-fuzz_stripe_header fuzz_stdwebhooks fuzz_traceparent fuzz_codecs fuzz_adyen fuzz_http}
for t in $targets; do
	echo "== $t"
	# shellcheck disable=SC2046,SC2086
	$CC $FLAGS -o "$OUT/$t" "fuzz/$t.c" $(sources "$t") $LIBS
done
