using Mtlds.Model.Training;

namespace Mtlds.Model.Tests.Training;

public sealed class TrainingCheckpointTests
{
    [Fact]
    public void A_checkpoint_of_the_format_before_DenseAdam_is_refused_with_what_to_do()
    {
        // Format 2 held TorchSharp's Adam state for the dense weights; format 3 holds DenseAdam's.
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) w.Write("mtlds-checkpoint/2");
        stream.Position = 0;
        var e = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.PeekEpoch(stream));
        Assert.Contains("another version of mtlds (format 'mtlds-checkpoint/2', this one reads 'mtlds-checkpoint/3')", e.Message);
        Assert.EndsWith("train without --resume", e.Message);
    }
}
