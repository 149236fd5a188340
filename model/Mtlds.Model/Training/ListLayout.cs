namespace Mtlds.Model.Training;

/// Where the lists are in rows sorted by list: a list is the consecutive rows of one (user, period).
public static class ListLayout
{
    /// (start, length) of every list, in row order.
    public static List<(int Start, int Length)> Ranges(ReadOnlySpan<long> users, ReadOnlySpan<long> periods)
    {
        if (users.Length != periods.Length) throw new ArgumentException("users and periods differ in length");
        var lists = new List<(int, int)>();
        for (var start = 0; start < users.Length;)
        {
            var end = start + 1;
            while (end < users.Length && users[end] == users[start] && periods[end] == periods[start]) end++;
            lists.Add((start, end - start));
            start = end;
        }
        return lists;
    }
}
