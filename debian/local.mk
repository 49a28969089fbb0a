# debian: the packaging, shipped in the release tarball so that a
# distribution can build dt, dtd and libdt-dev from it
# (dpkg-buildpackage -us -uc -b; debian/check-packages.sh checks them).
# Included by Makefile.am as `include debian/local.mk`.
EXTRA_DIST += \
	debian/changelog \
	debian/check-packages.sh \
	debian/control \
	debian/copyright \
	debian/dt.examples \
	debian/dt.install \
	debian/dt.lintian-overrides \
	debian/dtd.examples \
	debian/dtd.install \
	debian/dtd.lintian-overrides \
	debian/libdt-dev.examples \
	debian/libdt-dev.install \
	debian/local.mk \
	debian/not-installed \
	debian/rules \
	debian/source/format
