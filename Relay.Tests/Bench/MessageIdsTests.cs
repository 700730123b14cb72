using System.Text;
using SignalRelay.Bench.Doors;

namespace SignalRelay.Tests.Bench;

public sealed class MessageIdsTests
{
    [TestCase(IdStyle.Counter)]
    [TestCase(IdStyle.Random)]
    [TestCase(IdStyle.Uuid7)]
    public void Every_style_of_id_gives_back_the_number_it_was_made_from(IdStyle style)
    {
        foreach (var number in new[] { 0, 7, 12_345, int.MaxValue })
        {
            var id = MessageIds.Of(style, number);
            Assert.That(MessageIds.TryReadNumber(Encoding.UTF8.GetBytes(id), out var read), Is.True, id);
            Assert.That(read, Is.EqualTo(number), id);
        }
    }

    [Test]
    public void Random_ids_differ_and_uuid7_ids_start_with_their_time()
    {
        var random = Enumerable.Range(0, 100).Select(_ => MessageIds.Of(IdStyle.Random, 1)).ToList();
        var uuid7 = Enumerable.Range(0, 100).Select(n => MessageIds.Of(IdStyle.Uuid7, n)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(random, Is.Unique);
            Assert.That(uuid7.Select(id => id[..12]), Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal), "the 48-bit time part never goes back");
            Assert.That(uuid7.Select(id => id[12]), Is.All.EqualTo('7'));
        });
    }

    [TestCase("")]
    [TestCase("abc")]
    [TestCase("12a")]
    [TestCase("0123456789abcdef-")]
    public void An_id_that_does_not_end_in_a_number_is_not_read(string id) =>
        Assert.That(MessageIds.TryReadNumber(Encoding.UTF8.GetBytes(id), out _), Is.False);
}
