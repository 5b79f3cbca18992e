"""Service definitions: `<services_dir>/<name>.conf` files parsed into frozen pydantic models."""

from clonepilot.config.depends import DependsCondition
from clonepilot.config.errors import ConfigIssue, ServiceConfigError, ServiceNotFoundError
from clonepilot.config.models import (
    AnyResource,
    AppResource,
    DevicePair,
    FsResource,
    IpResource,
    Resource,
    Service,
    SymcloneSync,
    VgResource,
)
from clonepilot.config.parser import (
    check_service_file,
    list_services,
    load_service,
    load_service_file,
    service_path,
)
from clonepilot.config.schedule import Schedule, ScheduleWindow

__all__ = [
    "AnyResource",
    "AppResource",
    "ConfigIssue",
    "DependsCondition",
    "DevicePair",
    "FsResource",
    "IpResource",
    "Resource",
    "Schedule",
    "ScheduleWindow",
    "Service",
    "ServiceConfigError",
    "ServiceNotFoundError",
    "SymcloneSync",
    "VgResource",
    "check_service_file",
    "list_services",
    "load_service",
    "load_service_file",
    "service_path",
]
