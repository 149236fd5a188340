using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using Mtlds.Pipelines.Ingestion;
using Mtlds.Pipelines.Sources;

namespace Mtlds.Pipelines.Features;

/// Builds a dataset on DuckDB in-process: loads the raw files (the engine-specific step), runs sql/features,
/// writes one period=N folder per period (splits are chosen by period range when training), the stored
/// interactions an append reads, rejects.csv and manifest.json. Everything is written to a staging folder first and
/// renamed into place at the end: a failed build leaves the output folder as it was.
public sealed class FeatureBuilder
{
    public static readonly IReadOnlyList<string> SplitNames = ["train", "valid", "test"];

    /// Called with a short description of each step as it starts.
    public Action<string>? OnStep { get; init; }

    /// Called with the number of raw rows read so far.
    public Action<long>? OnRowsRead { get; init; }

    /// The folder of the build's stored interactions (one row per user, item and period with an engaged event),
    /// kept so that an append computes its look-back features without reading old raw events again. Rows of
    /// impressions alone are left out: every feature reads engaged activity only (stage > 0), a period's
    /// samples and negatives come from its own events, and in a log with impressions they are most rows (the
    /// 10M-event generated log: 1.4M engaged of 8.2M, stored in 0.24 s instead of 1.07 s of a 24 s build).
    public const string InteractionsFolder = "_interactions";

    public Manifest Build(FeatureOptions options)
    {
        options.Validate();
        var source = EventSources.Get(options.Source);
        var script = SqlScript.Load(options.SqlDirectory);
        var window = TimeWindow.Create(options.From, options.To, options.RunStart ?? DateTimeOffset.UtcNow);
        var outDir = Path.GetFullPath(options.OutDir);
        var previous = options.Append ? AppendTarget(options, outDir, source.Name, script.Hash()) : null;
        Directory.CreateDirectory(outDir);
        var staging = Directory.CreateDirectory(Path.Combine(outDir, $".staging-{Guid.NewGuid():N}")).FullName;
        try
        {
            var onDisk = TablesOnDisk ?? EstimatedTableBytes(options.EventsPath) * PeakOverTables > DuckDbMemoryLimitMb() * (1L << 20);
            using var db = new DuckDBConnection(onDisk ? $"DataSource={Path.Combine(staging, "build.duckdb")}" : "DataSource=:memory:");
            db.Open();
            // Memory bounded from the machine, spilling beside the output: a build larger than memory spills
            // instead of failing, the spill goes where the output goes (not the working directory), and it is
            // removed with the staging folder, whatever the build's end.
            var spill = Directory.CreateDirectory(Path.Combine(staging, "spill")).FullName;
            Execute(db, $"SET memory_limit = '{DuckDbMemoryLimitMb()}MB'; SET temp_directory = '{Sql(spill)}'", "settings");

            OnStep?.Invoke("reading raw events");
            IngestResult ingest;
            using (var rejects = new RejectsWriter(Path.Combine(staging, "rejects.csv")))
                ingest = new EventIngestor(source, window).Ingest(db, options.EventsPath, rejects, OnRowsRead);
            if (ingest.RowsAccepted == 0)
                throw new InputException(
                    $"{options.EventsPath}: none of the {ingest.RowsRead} rows was accepted (reasons: {string.Join(", ", ingest.RejectedByReason.Select(r => $"{r.Key} {r.Value}"))})");

            var tzOffset = previous?.TzOffsetSeconds ?? TimezoneOffset(options.Timezone, ingest.MinTs, ingest.MaxTs);
            if (previous is not null) TimezoneOffsetHolds(options.Timezone, tzOffset, ingest.MinTs, ingest.MaxTs);
            var hasImpressions = ingest.AcceptedByBehavior.ContainsKey(Behavior.Impression);
            if (previous is not null && (previous.NegativesDrawnPerEngaged == 0) != hasImpressions)
                throw new ConfigurationException(
                    $"{options.EventsPath}: the log {(hasImpressions ? "has" : "has no")} impressions but the build in {outDir} was made from one that {(hasImpressions ? "had none" : "had them")}; rebuild without --append");
            var negatives = hasImpressions ? 0 : options.Negatives;
            // An append builds the periods after the last one built; the rows of earlier periods are counted, not used.
            var firstPeriod = previous is null ? 0 : previous.Periods[^1].Period + 1;
            var alreadyBuilt = previous is null ? 0 : Scalar(db,
                $"SELECT COUNT(*) FROM raw_events WHERE CAST(FLOOR((ts + {tzOffset}) / {options.PeriodSeconds}) AS BIGINT) < {firstPeriod}");
            if (previous is not null && alreadyBuilt == ingest.RowsAccepted)
                throw new InputException(
                    $"{options.EventsPath}: every accepted row lies in a period {outDir} already holds (up to period {firstPeriod - 1}); nothing to append");
            LoadPriorInteractions(db, previous is null ? null : outDir);

            var templates = script.Templates().ToList();
            var plan = BuildPasses.Of(script);
            string Bind(int i, IReadOnlyDictionary<string, string> variables) => SqlScript.Substitute(templates[i].File, templates[i].Sql, variables);
            var variables = options.SqlVariables(tzOffset, negatives, firstPeriod);
            var once = Enumerable.Range(0, templates.Count).Where(i => !plan.PerPass.Contains(i)).ToList();
            var perPass = Enumerable.Range(0, templates.Count).Where(plan.PerPass.Contains).ToList();
            var perPassText = perPass.Select(i => Bind(i, variables)).ToList();

            // What runs once: events, interactions, the activity tables every pass's windows read.
            (long Events, long Duplicates, SortedDictionary<string, long> ByBehavior)? eventCounts = null;
            var interactionsFile = $"{InteractionsFolder}/periods-{firstPeriod}.parquet";
            var interactionsKept = false;
            for (var k = 0; k < once.Count; k++)
            {
                var file = templates[once[k]].File;
                if (k == 0 || templates[once[k - 1]].File != file) OnStep?.Invoke($"sql/features/{file}");
                Execute(db, Bind(once[k], variables), file);
                // The manifest's event counts, taken as soon as `events` exists.
                if (eventCounts is null && Tables(db).Contains("events"))
                {
                    var events = Scalar(db, "SELECT COUNT(*) FROM events");
                    eventCounts = (events, ingest.RowsAccepted - alreadyBuilt - events, new SortedDictionary<string, long>(Query(db,
                        "SELECT behavior, COUNT(*) FROM events GROUP BY behavior", r => (r.GetString(0), r.GetInt64(1)))
                        .ToDictionary(x => x.Item1, x => x.Item2)));
                }
                // The new periods' interactions, stored for the next append as soon as they exist.
                if (!interactionsKept && Tables(db).Contains("interactions"))
                {
                    Directory.CreateDirectory(Path.Combine(staging, InteractionsFolder));
                    OnStep?.Invoke("storing interactions");
                    Execute(db, StoreInteractionsSql(firstPeriod, Path.Combine(staging, interactionsFile)), "storing interactions");
                    interactionsKept = true;
                }
                DropUnused(db, once.Skip(k + 1).Select(i => Bind(i, variables)).Concat(perPassText));
            }
            if (eventCounts is not { } counted) throw new InvalidOperationException("sql/features created no `events` table");

            // Then the samples, features and files, a group of periods at a time (BuildPasses).
            var ext = options.Format == "csv" ? "csv" : "parquet";
            var formatClause = options.Format == "csv" ? "FORMAT csv, HEADER true" : "FORMAT parquet";
            var passes = BuildPasses.Group(Query(db,
                $"SELECT period, COUNT(*) + {negatives} * COUNT(*) FILTER (WHERE stage > 0) FROM interactions WHERE period >= {firstPeriod} GROUP BY period",
                r => (r.GetInt64(0), r.GetInt64(1))), firstPeriod, PassBudget());
            var periods = new List<PeriodSummary>(previous?.Periods ?? []);
            var newPeriods = new List<long>();
            List<string>? featureColumns = null;
            List<string> columns = [];
            for (var p = 0; p < passes.Count; p++)
            {
                var pass = passes[p];
                var passVariables = options.SqlVariables(tzOffset, negatives, firstPeriod, pass);
                var passText = perPass.Select(i => Bind(i, passVariables)).ToList();
                var laterPasses = p + 1 < passes.Count ? perPassText : [];
                for (var k = 0; k < perPass.Count; k++)
                {
                    var file = templates[perPass[k]].File;
                    if (k == 0 || templates[perPass[k - 1]].File != file)
                        OnStep?.Invoke(passes.Count == 1 ? $"sql/features/{file}" : $"sql/features/{file} (periods {pass.From}..{LastPeriod(passes, p)})");
                    Execute(db, passText[k], file);
                    DropUnused(db, passText.Skip(k + 1).Concat(laterPasses));
                }

                if (featureColumns is null)
                {
                    featureColumns = Query(db, "SELECT column_name FROM (DESCRIBE dataset)", r => r.GetString(0))
                        .Where(c => !FeatureCatalog.SampleColumns.Contains(c)).ToList();
                    if (previous is not null && !previous.Features.Select(f => f.Name).SequenceEqual(featureColumns))
                        throw new ConfigurationException($"{outDir}: the build has other feature columns than sql/features makes now; rebuild without --append");
                    columns = FeatureCatalog.SampleColumns.Concat(featureColumns).ToList();
                }

                // One folder per period (Hive-style period=N/, as Spark writes), each file sorted by list (user): the
                // trainer reads whole lists without sorting again, and an append only adds folders.
                foreach (var period in SamplePeriods(db))
                {
                    OnStep?.Invoke($"writing period={period}");
                    var relative = $"period={period}/part-0.{ext}";
                    var path = Path.Combine(staging, relative);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    Execute(db, $"COPY (SELECT {string.Join(", ", columns)} FROM dataset WHERE period = {period} "
                        + $"ORDER BY user_id, item_id) TO '{Sql(path)}' ({formatClause})", "export");
                    // Counts and statistics from the written file: columnar and small, unlike the view behind it.
                    var csvSource = $"read_csv('{Sql(path)}')";
                    var written = options.Format == "csv"
                        ? (Counts: PeriodCounts.OfSql(db, csvSource), Partials: SqlFeaturePartials(db, csvSource, featureColumns))
                        : (Counts: PeriodCounts.OfParquet([path]), Partials: FeatureStatistics.PartialsOfParquet(path, featureColumns));
                    periods.Add(Summarise(written.Counts, period, relative, featureColumns, written.Partials));
                    newPeriods.Add(period);
                }
                DropPassTables(db, plan);
            }
            featureColumns ??= [];

            var splits = PeriodSplits.Of(periods, options.ValidPeriods, options.TestPeriods);
            var features = PeriodSplits.TrainStatistics(periods, splits["train"], featureColumns);
            var manifest = new Manifest
            {
                Source = source.Name,
                Inputs = [.. previous?.Inputs ?? [], .. ingest.Files],
                Period = options.Period,
                PeriodSeconds = options.PeriodSeconds,
                Timezone = options.Timezone,
                TzOffsetSeconds = tzOffset,
                Seed = options.Seed,
                Negatives = options.Negatives,
                NegativesDrawnPerEngaged = negatives,
                RowsRead = (previous?.RowsRead ?? 0) + ingest.RowsRead,
                RowsAccepted = (previous?.RowsAccepted ?? 0) + ingest.RowsAccepted,
                RowsRejected = (previous?.RowsRejected ?? 0) + ingest.RowsRejected,
                RowsAlreadyBuilt = (previous?.RowsAlreadyBuilt ?? 0) + alreadyBuilt,
                RejectedByReason = Sum(previous?.RejectedByReason, ingest.RejectedByReason),
                DuplicatesDropped = (previous?.DuplicatesDropped ?? 0) + counted.Duplicates,
                Events = (previous?.Events ?? 0) + counted.Events,
                EventsByBehavior = Sum(previous?.EventsByBehavior, counted.ByBehavior),
                Periods = periods,
                Splits = splits,
                ValidPeriods = options.ValidPeriods,
                TestPeriods = options.TestPeriods,
                Alpha = options.Alpha,
                SampleColumns = FeatureCatalog.SampleColumns,
                Features = features,
                SqlHash = script.Hash(),
                Format = options.Format,
            };
            File.WriteAllText(Path.Combine(staging, "manifest.json"), JsonSerializer.Serialize(manifest, Manifest.Json) + "\n");
            if (previous is not null) AppendRejects(Path.Combine(outDir, "rejects.csv"), Path.Combine(staging, "rejects.csv"));

            Publish(outDir, staging, fullBuild: previous is null,
                newPeriods.Select(p => $"period={p}").Append(interactionsFile).Append("rejects.csv"));
            return manifest;
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// Moves the staged files into place: the old manifest goes first, then the data, the new manifest last,
    /// each by rename (atomic on one file system). Killed half-way, the folder has no manifest, and readers
    /// refuse it rather than pair an old manifest with new data. A full build first removes what an earlier
    /// build left (its periods, interactions, and the split files of the layout before periods).
    private static void Publish(string outDir, string staging, bool fullBuild, IEnumerable<string> entries)
    {
        File.Delete(Path.Combine(outDir, "manifest.json"));
        if (fullBuild)
        {
            foreach (var dir in Directory.EnumerateDirectories(outDir, "period=*").Append(Path.Combine(outDir, InteractionsFolder)))
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            foreach (var old in SplitNames.SelectMany(s => new[] { $"{s}.parquet", $"{s}.csv" }))
                File.Delete(Path.Combine(outDir, old));
        }
        foreach (var entry in entries)
        {
            var from = Path.Combine(staging, entry);
            var to = Path.Combine(outDir, entry);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            if (Directory.Exists(from))
            {
                if (Directory.Exists(to)) Directory.Delete(to, recursive: true);
                Directory.Move(from, to);
            }
            else File.Move(from, to, overwrite: true);
        }
        File.Move(Path.Combine(staging, "manifest.json"), Path.Combine(outDir, "manifest.json"));
    }

    /// Whether DuckDB keeps the build's tables in a database file in the staging folder instead of in memory
    /// (null: when an in-memory build would outgrow its memory limit, PeakOverTables × EstimatedTableBytes).
    /// A file's tables are compressed: at 100M events the tables every pass reads (events, interactions, the
    /// activity) came to ~30 GB of uncompressed spill in memory. In memory is faster while it fits (10M
    /// Taobao-shaped events: 283 s against 301 s on file, no spill), on file once it would spill (30M: 914 s
    /// against 961 s in memory, which spilled 14.3 GB beside its 14.1 GB limit).
    public bool? TablesOnDisk { get; init; }

    /// An in-memory build's peak over its tables: each pass's draws, samples and feature tables and the
    /// operators' state come on top of the tables every pass reads. Measured on Taobao-shaped logs (2 cores,
    /// 24 GB): 10M events, ~2.2 GB of estimated tables, peak RSS 12.3 GB; 30M, ~6.8 GB, 14.1 GB held and
    /// 14.3 GB spilled.
    private const long PeakOverTables = 4;

    /// What the build's tables take in DuckDB for a log: about 7 bytes a byte of CSV (100M Taobao-shaped events,
    /// 3.4 GB of CSV, ~25 GB of tables), 25 a byte of compressed input (gzip, Parquet).
    internal static long EstimatedTableBytes(string eventsPath)
    {
        try
        {
            return Ingestion.InputFiles.Resolve(eventsPath).Sum(f =>
                new FileInfo(f).Length * (f.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? 7 : 25));
        }
        catch (Exception e) when (e is InputException or IOException or UnauthorizedAccessException)
        {
            return 0; // the reader reports it, naming the file
        }
    }

    /// Samples (estimated: interactions plus k draws per engaged one) a pass of the build holds at most (null: five
    /// per kilobyte of DuckDB's memory limit, 73M at its 14.7 GB on a 24 GB machine). A pass's draws, samples and
    /// feature tables then stay near the limit instead of spilling far past it: a 10M-event log is one pass, a
    /// 30M one two, a 100M one a period a pass. Tests make it small.
    public long? SamplesPerPass { get; init; }

    private long PassBudget() => SamplesPerPass ?? DuckDbMemoryLimitMb() * 5000;

    /// The last period a pass builds, for the step's name (the last pass's range is open-ended).
    private static string LastPeriod(List<(long From, long To)> passes, int p) =>
        passes[p].To == long.MaxValue ? "" : passes[p].To.ToString(CultureInfo.InvariantCulture);

    /// Drops what a pass made (its view first), once its period files are written: the next pass makes its own.
    private static void DropPassTables(DuckDBConnection db, BuildPasses plan)
    {
        foreach (var view in Views(db).Where(v => plan.PassTables.Contains(v.ToLowerInvariant())))
            Execute(db, $"DROP VIEW \"{view}\"", "dropping the pass's tables");
        foreach (var table in Tables(db).Where(t => plan.PassTables.Contains(t.ToLowerInvariant())))
            Execute(db, $"DROP TABLE \"{table}\"", "dropping the pass's tables");
    }

    /// The build an append adds to, checked to be one made with the same options and SQL: an append must
    /// give the rows a full rebuild would.
    private static Manifest AppendTarget(FeatureOptions options, string outDir, string source, string sqlHash)
    {
        if (!File.Exists(Path.Combine(outDir, "manifest.json")))
            throw new ConfigurationException($"--append: {outDir} holds no feature build to append to (no manifest.json); build it first without --append");
        var m = Manifest.Read(Path.Combine(outDir, "manifest.json"));
        void Same<T>(string what, T built, T now)
        {
            if (!EqualityComparer<T>.Default.Equals(built, now))
                throw new ConfigurationException($"--append: {outDir} was built with {what} {built}, not {now}; rebuild without --append (or give the same {what})");
        }
        Same("--source", m.Source, source);
        Same("--period", m.Period, options.Period);
        Same("--timezone", m.Timezone, options.Timezone);
        Same("--seed", m.Seed, options.Seed);
        Same("--negatives", m.Negatives, options.Negatives);
        Same("--format", m.Format, options.Format);
        Same("alpha", m.Alpha, options.Alpha);
        Same("--valid-periods", m.ValidPeriods, options.ValidPeriods);
        Same("--test-periods", m.TestPeriods, options.TestPeriods);
        if (m.SqlHash != sqlHash)
            throw new ConfigurationException($"--append: {outDir} was built by other feature SQL (sql hash {m.SqlHash[..12]}, now {sqlHash[..12]}); rebuild without --append");
        if (m.Periods.Count == 0 || !Directory.Exists(Path.Combine(outDir, InteractionsFolder)))
            throw new ConfigurationException($"--append: {outDir} has no stored interactions ({InteractionsFolder}/); rebuild it without --append once");
        return m;
    }

    /// Writes the interactions of the periods from `firstPeriod` on that an append reads (engaged ones only), sorted
    /// so that the same build writes the same bytes.
    internal static string StoreInteractionsSql(long firstPeriod, string path) =>
        $"COPY (SELECT * FROM interactions WHERE period >= {firstPeriod} AND stage > 0 ORDER BY period, user_id, item_id) TO '{Sql(path)}' (FORMAT parquet)";

    /// `prior_interactions`, which sql/features/02 adds to the interactions of the events read now: the stored
    /// interactions of the periods built before (an append), or none (a full build).
    public static void LoadPriorInteractions(DuckDBConnection db, string? builtDir = null)
    {
        const string empty = "SELECT CAST(NULL AS BIGINT) AS user_id, CAST(NULL AS BIGINT) AS item_id, CAST(NULL AS BIGINT) AS period, "
            + "CAST(NULL AS BIGINT) AS category_id, CAST(NULL AS INTEGER) AS stage, CAST(NULL AS BIGINT) AS impressions, CAST(NULL AS BIGINT) AS clicks, "
            + "CAST(NULL AS BIGINT) AS carts, CAST(NULL AS BIGINT) AS favs, CAST(NULL AS BIGINT) AS purchases WHERE FALSE";
        var sql = builtDir is null ? empty
            : $"SELECT user_id, item_id, period, category_id, stage, impressions, clicks, carts, favs, purchases FROM read_parquet('{Sql(Path.Combine(builtDir, InteractionsFolder, "*.parquet"))}')";
        Execute(db, $"CREATE OR REPLACE TABLE prior_interactions AS {sql}", "reading the stored interactions");
    }

    /// The rejects of earlier builds stay in rejects.csv; the staged file gets them before this build's rows.
    private static void AppendRejects(string built, string staged)
    {
        if (!File.Exists(built)) return;
        var lines = File.ReadLines(built).Skip(1).Concat(File.ReadLines(staged).Skip(1)).Prepend(RejectsWriter.Header).ToList();
        File.WriteAllLines(staged, lines);
    }

    private static SortedDictionary<string, long> Sum(IReadOnlyDictionary<string, long>? a, IReadOnlyDictionary<string, long> b)
    {
        var sum = new SortedDictionary<string, long>(b.ToDictionary());
        foreach (var (k, v) in a ?? new Dictionary<string, long>()) sum[k] = sum.GetValueOrDefault(k) + v;
        return sum;
    }

    /// An append's events must lie where the zone has the offset the build was made with.
    private static void TimezoneOffsetHolds(string zone, int builtOffset, long minTs, long maxTs)
    {
        var now = TimezoneOffset(zone, minTs, maxTs);
        if (now != builtOffset)
            throw new ConfigurationException($"--timezone '{zone}' has UTC offset {now} s in the appended events but {builtOffset} s in the build; rebuild without --append");
    }

    /// The fixed UTC offset of the zone over the data's time range, in seconds. Periods are integer arithmetic
    /// (portable to Spark), so a zone whose offset changes within the data (daylight saving) is refused.
    public static int TimezoneOffset(string zone, long minTs, long maxTs)
    {
        TimeZoneInfo tz;
        try { tz = TimeZoneInfo.FindSystemTimeZoneById(zone); }
        catch (TimeZoneNotFoundException) { throw new ConfigurationException($"--timezone '{zone}' is not a known time zone (e.g. UTC, Asia/Shanghai)"); }
        var first = tz.GetUtcOffset(DateTimeOffset.FromUnixTimeSeconds(minTs));
        var last = tz.GetUtcOffset(DateTimeOffset.FromUnixTimeSeconds(maxTs));
        if (first != last)
            throw new ConfigurationException(
                $"--timezone '{zone}' changes its UTC offset within the data ({first} to {last}); use a fixed-offset zone such as Etc/GMT-8");
        return (int)first.TotalSeconds;
    }

    private static string Sql(string path) => path.Replace("'", "''");

    /// Drops the tables that no later statement and no view reads (raw events, events, windows… as soon as
    /// they are done with). The export's sort beside 10M-event intermediate tables took 18 s, without them
    /// 14 s (10M-event bench); the SQL steps gain too.
    private static void DropUnused(DuckDBConnection db, IEnumerable<string> laterStatements)
    {
        var readers = string.Join("\n", laterStatements.Concat(Query(db, "SELECT sql FROM duckdb_views() WHERE NOT internal", r => r.GetString(0))));
        foreach (var table in Tables(db).Where(t => !Regex.IsMatch(readers, $@"\b{Regex.Escape(t)}\b", RegexOptions.IgnoreCase)))
            Execute(db, $"DROP TABLE \"{table}\"", "dropping intermediate tables");
    }

    /// The periods the current pass has samples of, in order.
    internal static List<long> SamplePeriods(DuckDBConnection db) =>
        Query(db, "SELECT DISTINCT period FROM samples ORDER BY period", r => r.GetInt64(0));

    internal static List<string> Tables(DuckDBConnection db) =>
        Query(db, "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND NOT internal", r => r.GetString(0));

    internal static List<string> Views(DuckDBConnection db) =>
        Query(db, "SELECT view_name FROM duckdb_views() WHERE NOT internal", r => r.GetString(0));

    /// One period of the manifest. Every feature has a value in every sample: the dataset takes the user, item and
    /// category tables' columns without COALESCE, their grids holding every sample's key, so a NULL is a defect of
    /// the SQL that wrote the file (a changed sql/features, a Spark job's) and fails here, not counted around.
    internal static PeriodSummary Summarise(PeriodCounts counts, long period, string file, IReadOnlyList<string> features,
        IReadOnlyList<FeatureStatistics.Partial> partials)
    {
        for (var f = 0; f < features.Count; f++)
            if (partials[f].Count != counts.Samples)
                throw new InvalidDataException(
                    $"{file}: {features[f]} has no value in {counts.Samples - partials[f].Count} of its {counts.Samples} samples; "
                    + "the feature SQL must give every sample every feature (a table with a row for each sample's key, or 0 where a pair has none)");
        return new(period, file, counts.Samples, counts.Lists,
            new SortedDictionary<string, long> { ["click"] = counts.Clicks, ["cart"] = counts.Carts, ["purchase"] = counts.Purchases },
            counts.Negatives, partials.Select(p => p.Count).ToList(), partials.Select(p => p.Mean).ToList(), partials.Select(p => p.M2).ToList());
    }

    internal static FeatureDefinition Define(string feature, double mean, double std) =>
        new(feature, FeatureCatalog.Describe(feature), Math.Round(mean, 12), Math.Round(std, 12));

    /// The partial statistics of a CSV file, in SQL (the same definition as FeatureStatistics.PartialsOfParquet,
    /// which takes less than half the time but reads Parquet only).
    private static List<FeatureStatistics.Partial> SqlFeaturePartials(DuckDBConnection db, string source, IReadOnlyList<string> features)
    {
        if (features.Count == 0) return [];
        // log1p computed once per value in a subquery; count, mean and population variance over it.
        // Features are non-negative; ABS guards LN cheaply (GREATEST is 20× slower in DuckDB 1.5). Read back from
        // text they are doubles: the cast makes them the floats that were written, as in the Parquet files.
        var logs = features.Select((f, i) => $"LN(1 + ABS(CAST({f} AS FLOAT))) AS l{i}");
        var aggregates = features.Select((_, i) => $"COUNT(l{i}), COALESCE(AVG(l{i}), 0), COALESCE(VAR_POP(l{i}) * COUNT(l{i}), 0)");
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT {string.Join(", ", aggregates)} FROM (SELECT {string.Join(", ", logs)} FROM {source}) t";
        using var r = cmd.ExecuteReader();
        r.Read();
        return features.Select((_, i) => new FeatureStatistics.Partial(
            Convert.ToInt64(r.GetValue(3 * i), CultureInfo.InvariantCulture), r.GetDouble(3 * i + 1), r.GetDouble(3 * i + 2))).ToList();
    }

    private static void Execute(DuckDBConnection db, string sql, string origin)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        try { cmd.ExecuteNonQuery(); }
        catch (DuckDBException e) when (e.Message.Contains("No space left on device", StringComparison.Ordinal))
        {
            // Exit 5 (disk full) with the folder to free or to move --out to.
            var folder = Path.GetDirectoryName(Path.GetDirectoryName(TempDirectory(db) ?? "")) ?? "the output folder"; // out/.staging-*/spill
            throw new IOException($"{origin}: no space left on the disk of {folder} (the output and DuckDB's spill files go there; free space or choose another --out): {e.Message}", e);
        }
        catch (DuckDBException e) { throw new InvalidOperationException($"{origin}: DuckDB failed: {e.Message}", e); }
    }

    private static string? TempDirectory(DuckDBConnection db)
    {
        try { return Query(db, "SELECT current_setting('temp_directory')", r => r.GetString(0)).FirstOrDefault(); }
        catch (DuckDBException) { return null; }
    }

    /// DuckDB's memory limit: 60 % of the machine's memory (or the container's limit), leaving room for this
    /// process (ingestion buffers, statistics) and the page cache the Parquet writer leans on.
    internal static long DuckDbMemoryLimitMb() =>
        Math.Max(512, (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.6 / (1 << 20)));

    private static long Scalar(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    internal static List<T> Query<T>(DuckDBConnection db, string sql, Func<DuckDBDataReader, T> map)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var list = new List<T>();
        while (r.Read()) list.Add(map(r));
        return list;
    }
}
