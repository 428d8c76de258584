using Reports.Core.Generation;
using Reports.Worker;
using Reports.Worker.Consuming;

namespace Reports.Tests.Engine;

public sealed class BlockBufferReservationTests
{
    [Fact]
    public void A_worker_reserves_for_every_slot_the_blocks_in_flight_and_three_more()
    {
        var worker = new WorkerOptions { Queues = new() { ["reports"] = 2, ["reports-bulk"] = 1, ["idle"] = 0 } };

        Assert.Equal(3 * (2 + 3), BlockBufferReservation.BuffersFor(worker, new GenerationOptions { BlocksInFlight = 2, LanesPerJob = 1 }));
    }

    [Fact]
    public void Each_lane_of_a_slot_has_a_set_of_its_own()
    {
        var worker = new WorkerOptions { Queues = new() { ["reports"] = 2, ["reports-bulk"] = 1 } };

        Assert.Equal(3 * 3 * (2 + 3), BlockBufferReservation.BuffersFor(worker, new GenerationOptions { BlocksInFlight = 2, LanesPerJob = 3 }));
    }
}
