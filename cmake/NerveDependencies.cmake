# Debian's xsimd 8.1 target links "xtl" by name: xtl must be found first.
include(GNUInstallDirs)
find_package(xtl REQUIRED)
find_package(xsimd 8 REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(ZLIB REQUIRED)
