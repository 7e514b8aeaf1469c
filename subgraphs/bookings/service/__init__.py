"""Use cases of the bookings subgraph; the schema layer calls these and nothing deeper."""

from __future__ import annotations

from dataclasses import dataclass

from subgraphs.bookings.service.availability import AvailabilityService
from subgraphs.bookings.service.booking_reads import BookingReads
from subgraphs.bookings.service.booking_writes import BookingWrites
from subgraphs.bookings.service.calendar import CalendarService
from subgraphs.bookings.service.dependencies import Dependencies
from subgraphs.bookings.service.projection import ProjectionService
from subgraphs.bookings.service.schedule import ScheduleService
from subgraphs.bookings.service.workflow import Workflow


@dataclass
class BookingsServices:
    """Everything a resolver (or consumer, or the scheduler) may call."""

    reads: BookingReads
    writes: BookingWrites
    workflow: Workflow
    availability: AvailabilityService
    schedule: ScheduleService
    projection: ProjectionService
    calendar: CalendarService

    @classmethod
    def build(cls, deps: Dependencies) -> BookingsServices:
        workflow = Workflow(deps)
        return cls(
            reads=BookingReads(deps),
            writes=BookingWrites(deps),
            workflow=workflow,
            availability=AvailabilityService(deps),
            schedule=ScheduleService(deps),
            projection=ProjectionService(deps, workflow),
            calendar=CalendarService(deps),
        )


__all__ = ["BookingsServices", "Dependencies"]
