#!/bin/sh
# Installs the Debian packages named on the command line that are not installed yet.
# Runs apt-get only when something is missing, so repeated `make test` stays fast and offline.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; install these packages first:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# postgresql-15 is for the tests' private clusters (scripts/pg-test.sh): no system cluster is
# made, and no package's service is started by the install (it would outlive the tests).
case " $missing " in *" postgresql-15 "*)
	[ -e /etc/postgresql-common/createcluster.conf ] || {
		mkdir -p /etc/postgresql-common
		echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
	} ;;
esac
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d &&
		policy=/usr/sbin/policy-rc.d
fi
trap 'if [ -n "$policy" ]; then rm -f "$policy"; fi' EXIT
apt-get update -qq >/dev/null || { echo "deps: apt-get update failed" >&2; exit 1; }
# nginx, prometheus and postgresql ship services; nothing here starts or needs them as services.
apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
	echo "deps: apt-get install failed for:$missing" >&2; exit 1; }
echo "deps: done"
