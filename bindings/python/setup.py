"""The devaddr wheel is a platform wheel for any Python 3: it carries shared libraries (so it is tagged for the platform
they were built for, and installs into platlib) but no extension module (ctypes loads them, so any interpreter and ABI
will do). The platform tag comes from setup.cfg (``[bdist_wheel] plat_name``), which build-wheel.sh writes."""

from setuptools import Distribution, setup
from wheel.bdist_wheel import bdist_wheel


class NativeLibraryDistribution(Distribution):
    """A distribution with native code (the shared libraries in devaddr/lib), though no extension module."""

    def has_ext_modules(self) -> bool:
        return True


class PlatformWheel(bdist_wheel):
    """``py3-none-PLATFORM`` instead of ``cpXY-cpXY-PLATFORM``, which an extension module would need."""

    def get_tag(self) -> tuple[str, str, str]:
        if not self.plat_name or not self.plat_name.startswith("manylinux"):
            raise SystemExit("setup.cfg must name the wheel's manylinux platform tag ([bdist_wheel] plat_name); "
                             "build the wheel with bindings/python/build-wheel.sh")
        return "py3", "none", self.plat_name


setup(distclass=NativeLibraryDistribution, cmdclass={"bdist_wheel": PlatformWheel})
