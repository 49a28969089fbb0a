# dashboard: static files served by dtd from $(pkgdatadir)/dashboard.
# Left out by --disable-dtd.
EXTRA_DIST += dashboard/vendor/uplot/VERSION

if BUILD_DTD
dashboarddir = $(pkgdatadir)/dashboard
dist_dashboard_DATA = \
	dashboard/index.html \
	dashboard/app.js \
	dashboard/service.js \
	dashboard/style.css \
	dashboard/favicon.svg

# uPlot 1.6.32 (MIT), copied from the npm package's dist/ with its licence;
# see dashboard/vendor/uplot/VERSION.
dashboarduplotdir = $(pkgdatadir)/dashboard/vendor/uplot
dist_dashboarduplot_DATA = \
	dashboard/vendor/uplot/uPlot.iife.min.js \
	dashboard/vendor/uplot/uPlot.min.css \
	dashboard/vendor/uplot/LICENSE
endif
