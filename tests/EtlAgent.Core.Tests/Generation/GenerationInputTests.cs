using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// Inputs real warehouse code needs before any case runs past its first lookup or filter
/// (tests/fixtures/generation-inputs, read into memory): each procedure there gets at least one
/// non-trivial case, one that expects no error and in which a table ends different from its given rows.
/// </summary>
public class GenerationInputTests
{
    private static MemoryFileSource Fixture() => FixtureGeneration.Load("generation-inputs");

    private static Task<GeneratedTestFile> GenerateAsync(string transformation) =>
        FixtureGeneration.GenerateAsync(Fixture(), transformation);

    /// <summary>A case that expects no error and in which some table ends with other rows than it was given.</summary>
    private static bool NonTrivial(TestCase c) =>
        c.Expect.Error is null && c.Expect.Tables.Any(t =>
        {
            var columns = t.ComparedColumns;
            string Key(TestRow r) => string.Join("|", columns.Select(x => r[x] is byte[] b ? Convert.ToHexString(b) : Convert.ToString(r[x], System.Globalization.CultureInfo.InvariantCulture)));
            var given = c.Given.Where(g => g.Table == t.Table).SelectMany(g => g.Rows).Select(Key).OrderBy(k => k, StringComparer.Ordinal);
            return !given.SequenceEqual(t.Rows.Select(Key).OrderBy(k => k, StringComparer.Ordinal));
        });

    private static async Task<TestFile> NonTrivialFileAsync(string transformation)
    {
        var g = await GenerateAsync(transformation);
        Assert.True(g.Written, g.Skipped ?? string.Join("; ", g.Result?.Notes ?? Array.Empty<string>()));
        var file = g.Result!.File!;
        Assert.Contains(file.Cases, NonTrivial);
        return file;
    }

    [Fact]
    public async Task A_parameter_a_filter_compares_with_a_source_column_names_the_source_row()
    {
        // WHERE s.[RegionCode] = @Region AND s.[IsActive] = 1: the region and the row chosen together
        var file = await NonTrivialFileAsync("Rpt.LoadRegion");
        Assert.Contains(file.Cases, c => c.Name.Contains("@Region naming no row of Stage.Sale", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_text_list_whose_pieces_the_code_converts_to_numbers_holds_numbers_that_name_rows()
    {
        // LEFT JOIN Dim.Doctor d ON EXISTS (SELECT 1 FROM STRING_SPLIT(v.[Doctor Ids], ',') p WHERE CAST(p.value AS bigint) = d.[Doctor ID]):
        // words in the list stop every input with 245; numbers let a visit find its doctor
        var file = await NonTrivialFileAsync("Rpt.LoadVisitDoctors");
        var doctors = new QualifiedName("Dim", "Doctor");
        Assert.Contains(file.Cases, c => NonTrivial(c) && c.Expect.Tables.Any(t => t.Table == new QualifiedName("Rpt", "VisitDoctor")
            && t.Rows.Any(r => c.Given.Where(g => g.Table == doctors).SelectMany(g => g.Rows).Any(d => Equals(Convert.ToInt64(d["Doctor Key"]), Convert.ToInt64(r["Doctor Key"]))))));
    }

    [Fact]
    public async Task Literals_a_lookup_compares_a_key_column_with_go_to_one_row_each()
    {
        // Cfg.WindowOf(@me) reads the row 'FORCED', the procedure's own name or 'FALLBACK' of a table keyed by
        // [Module Name]: two entities' rows both named 'FORCED' stopped that input with 2627
        var g = await GenerateAsync("Rpt.LoadReadings");
        Assert.True(g.Written, g.Skipped ?? string.Join("; ", g.Result?.Notes ?? Array.Empty<string>()));
        Assert.DoesNotContain(g.Result!.Notes, n => n.Contains("2627", StringComparison.Ordinal));
        Assert.Contains(g.Result.File!.Cases, NonTrivial);
    }

    [Fact]
    public async Task A_transfer_from_a_linked_server_keyed_by_an_identity_session_gets_rows_numbered_after_the_dimension()
    {
        // @session_id names a Ctl.Session row by its identity key and is logged into a foreign key to it: the
        // parent row for the log is the row the database numbers, not a second one with the same key (2627);
        // the source is [CrmServer].[CrmDb].[dbo].[Account], a stand-in; DBCC CHECKIDENT reseeds the staging keys
        // (its effect on the keys is pinned by the conformance cases: identity values are not compared in test files)
        var g = await GenerateAsync("Etl.TransferAccounts");
        Assert.True(g.Written, g.Skipped ?? string.Join("; ", g.Result?.Notes ?? Array.Empty<string>()));
        Assert.DoesNotContain(g.Result!.Notes, n => n.Contains("2627", StringComparison.Ordinal) || n.Contains("not supported", StringComparison.Ordinal));
        var stage = new QualifiedName("Stage", "Account");
        // a case past the reseed (dimension rows given) that stages the session's remote rows
        Assert.Contains(g.Result.File!.Cases, c => NonTrivial(c) && c.Given.Any(x => x.Table == new QualifiedName("Dim", "Account") && x.Rows.Count > 0) &&
            c.Expect.Tables.Any(t => t.Table == stage && t.Rows.Count > 0));
    }

    [Fact]
    public async Task Literals_compared_with_a_column_of_a_table_go_to_that_table_before_same_named_columns_of_others()
    {
        // Log.JournalSwitch compares Log.JournalSetting's [Module Name] with 'SYSTEM_FORCED' before Cfg.WindowOf compares
        // Cfg.LoadWindow's with 'FORCED': by column name alone the window rows were named 'SYSTEM_…', so every base input
        // stopped at "Load window … is not set" and only a variation of one column got past it
        var files = Fixture();
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true }.Analyze(files);
        var facts = CodeFacts.Collect(analysis, analysis.FindTransformation("Rpt.LoadReadingsJournaled")!);
        Assert.Equal("SYSTEM_FORCED", facts.ColumnLiterals["Module Name"][0]);
        Assert.Equal(new object[] { "FORCED", "FALLBACK" }, facts.LiteralsOf(new QualifiedName("Cfg", "LoadWindow"), "Module Name").Take(2));
        Assert.Equal(new object[] { "SYSTEM_FORCED", "SYSTEM_FALLBACK" }, facts.LiteralsOf(new QualifiedName("Log", "JournalSetting"), "Module Name").Take(2));
        var file = await NonTrivialFileAsync("Rpt.LoadReadingsJournaled");
        Assert.Contains(file.Cases, c => NonTrivial(c) && !c.Name.Contains("(in the code)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_parameter_looked_up_in_a_table_gets_past_the_lookup_that_raises_for_an_unknown_value()
    {
        // SELECT @key = … WHERE [Release Number] = @ReleaseNumber; IF @@ROWCOUNT <> 1 RAISERROR
        var file = await NonTrivialFileAsync("Cfg.AddHub");
        Assert.Contains(file.Cases, c => c.Expect.Error is { Number: 50000 });
    }

    [Fact]
    public async Task A_parameter_a_guard_looks_up_in_a_view_names_a_row_of_the_view_s_table()
    {
        // IF NOT EXISTS (SELECT 1 FROM Cfg.CurrentSchedule WHERE [Schedule Name] = @ScheduleName) RAISERROR:
        // the row goes to the view's table Cfg.Schedule, and passes the view's ISNULL([Is Cancelled], 0) = 0
        var file = await NonTrivialFileAsync("Log.QueueRun");
        Assert.Contains(file.Cases, c => NonTrivial(c) && c.Given.Any(g => g.Table == new QualifiedName("Cfg", "Schedule")));
        Assert.Contains(file.Cases, c => c.Expect.Error is { Number: 50000 });
    }

    [Fact]
    public async Task A_list_parameter_split_into_names_that_a_guard_checks_against_a_view_names_rows_of_its_table()
    {
        // REPLACE(@ScheduleList, ' ', '') split on commas into @Names; ScheduleName NOT IN (SELECT [Schedule Name] FROM the view) raises
        var file = await NonTrivialFileAsync("Log.QueueRuns");
        Assert.Contains(file.Cases, c => NonTrivial(c) && c.Given.Any(g => g.Table == new QualifiedName("Cfg", "Schedule")));
    }

    [Fact]
    public async Task A_parameter_defaulting_to_NULL_that_the_code_inserts_into_a_required_column_gets_a_value()
    {
        // @StartedAt datetime2(0) = NULL … VALUES (@BatchName, @StartedAt) into a NOT NULL column: left out, every call fails with 515
        // (a variation of it passes a date; the base inputs must too, or a search cut short by the cap finds only the error)
        var file = await NonTrivialFileAsync("Log.StartBatch");
        var empty = Assert.Single(file.Cases, c => c.Name.StartsWith("empty input →", StringComparison.Ordinal));
        Assert.Null(empty.Expect.Error);
        Assert.Contains(file.Cases, c => c.Expect.Error is { Number: 515 });
    }

    [Fact]
    public void Keys_foreign_keys_and_defaults_added_by_ALTER_TABLE_join_their_table()
    {
        var files = Fixture();
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)).Analyze(files);
        var run = analysis.Catalog.Find(new QualifiedName("Log", "Run"))!;
        Assert.Equal(new[] { "Run ID" }, run.PrimaryKey!.Columns);
        Assert.Equal("('open')", run.FindColumn("Status")!.Default);
        var step = analysis.Catalog.Find(new QualifiedName("Log", "Step"))!;
        var fk = Assert.Single(step.ForeignKeys);
        Assert.Equal(new QualifiedName("Log", "Run"), fk.ReferencedTable);
    }

    [Fact]
    public async Task A_column_left_to_a_default_declared_apart_is_not_NULL()
    {
        // INSERT INTO Log.Run ([Run ID], [Started]): [Status] comes from ALTER TABLE … ADD DEFAULT … FOR
        await NonTrivialFileAsync("Log.StartRun");
    }

    [Fact]
    public async Task A_parameter_the_code_reads_with_OPENJSON_gets_a_document_with_those_rows()
    {
        // OPENJSON(@Export, '$.fields') WITH (… '$.name', … '$.length'): a document, not the word "Export" (error 13609)
        var file = await NonTrivialFileAsync("Meta.LoadFieldsFromJson");
        Assert.Contains(file.Cases, c => c.Expect.Error is null && c.Call.Any(a => a.Value is string s && s.StartsWith("{\"fields\":[{", StringComparison.Ordinal)));
        // the parameter that is not JSON is one error case beside them
        Assert.Contains(file.Cases, c => c.Expect.Error is { Number: 13609 });
    }

    [Fact]
    public async Task Integer_date_keys_hold_yyyymmdd_days_that_convert_to_dates_and_join_the_calendar()
    {
        // CONVERT(date, CONVERT(char(8), s.ShipDateKey), 112): 1001 converts to no date (error 241)
        var file = await NonTrivialFileAsync("Fact.LoadShipments");
        var stage = new QualifiedName("Stage", "Shipment");
        Assert.All(file.Cases.SelectMany(c => c.Given).Where(g => g.Table == stage).SelectMany(g => g.Rows).Select(r => r["ShipDateKey"]),
            v => Assert.True(v is long n && DateTime.TryParseExact(n.ToString(System.Globalization.CultureInfo.InvariantCulture), "yyyyMMdd",
                System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _), $"{v} is no yyyymmdd day"));
        Assert.Contains(file.Cases, c => c.Name.Contains("@FromDateKey on a leap day", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("DateKey", "int", true)]
    [InlineData("@FromDateID", "int", true)]
    [InlineData("Ship Date Key", "bigint", true)]
    [InlineData("Date_INT_Id", "int", true)]
    [InlineData("LastUpdateID", "int", false)]
    [InlineData("DateKey", "smallint", false)]
    [InlineData("CustomerKey", "int", false)]
    public void Date_coded_integers_are_known_by_name_and_type(string name, string type, bool expected) =>
        Assert.Equal(expected, DateCodedInteger.Is(name, new SqlType(type)));

    [Fact]
    public async Task A_parameter_the_code_inserts_into_a_foreign_key_gets_its_parent_row()
    {
        // the logging prologue inserts @RunID into Log.Step, whose [Run ID] references Log.Run
        var file = await NonTrivialFileAsync("Rpt.LoadSalesLogged");
        var sales = new QualifiedName("Rpt", "RegionSale");
        Assert.Contains(file.Cases, c => c.Expect.Error is null
            && c.Expect.Tables.Any(t => t.Table == sales && t.Rows.Count > c.Given.Where(g => g.Table == sales).Sum(g => g.Rows.Count))
            && c.Given.Any(g => g.Table == new QualifiedName("Log", "Run")));
    }

    [Fact]
    public async Task An_identity_key_the_code_matches_with_a_source_column_holds_the_source_value_so_an_existing_entity_is_found()
    {
        // MERGE Dim.Product … ON d.[Product Key] = s.[Product Key]: left to the database the identity never matches
        var file = await NonTrivialFileAsync("Dim.MergeProduct");
        Assert.Contains(file.Cases, c => c.Given.Any(g => g.Table == new QualifiedName("Dim", "Product") && g.Rows.Any(r => r.Has("Product Key"))));
    }

    [Fact]
    public async Task A_parameter_inserted_into_a_column_with_a_check_of_alternatives_takes_an_allowed_value()
    {
        // CHECK ([Kind]='H' OR [Kind]='L'): the parameter's own name would break it on every input
        var file = await NonTrivialFileAsync("Cfg.AddSatellite");
        Assert.Contains(file.Cases, c => c.Expect.Error is null && c.Call.Any(a => a.Key == "@Kind" && Equals(a.Value, "H")));
    }

    [Fact]
    public async Task Given_rows_meet_checks_written_as_SQL_Server_scripts_them_and_keep_their_keys_distinct()
    {
        // CHECK (([FlagBit]=(4) OR … OR [FlagBit]=(0))) and (([Retries]>=(0) AND [Retries]<=(3))), FlagBit the primary key
        var file = await NonTrivialFileAsync("Cfg.RaiseRunFlag");
        var flag = new QualifiedName("Cfg", "RunFlag");
        foreach (var c in file.Cases)
        {
            var rows = c.Given.Where(g => g.Table == flag).SelectMany(g => g.Rows).ToList();
            Assert.All(rows, r => Assert.Contains(Convert.ToInt64(r["FlagBit"]), new long[] { 0, 1, 2, 4 }));
            Assert.All(rows, r => Assert.InRange(Convert.ToInt64(r["Retries"]), 0, 3));
            Assert.Equal(rows.Count, rows.Select(r => Convert.ToInt64(r["FlagBit"])).Distinct().Count());
        }
        Assert.Contains(file.Cases, c => c.Given.Where(g => g.Table == flag).Sum(g => g.Rows.Count) > 1);
    }

    [Fact]
    public async Task Base_rows_meet_every_equality_filter_on_a_source_at_once()
    {
        // WHERE s.[Status] = 3 AND s.[Kind] = 'X' AND s.[Channel] IN (7, 9) AND s.[Is Active] = 0 AND s.[Batch Date] = '2016-03-01'
        var file = await NonTrivialFileAsync("Rpt.LoadOpenOrders");
        var order = new QualifiedName("Stage", "Order");
        Assert.Contains(file.Cases, c => NonTrivial(c) && c.Given.Any(g => g.Table == order && g.Rows.Any(r =>
            Equals(Convert.ToInt64(r["Status"]), 3L) && Equals(r["Kind"], "X") && Equals(r["Is Active"], false))));
    }

    [Theory]
    [InlineData("an entity whose [City] is NULL in the target")]
    [InlineData("an entity whose [City] is NULL in Stage.Customer")]
    public async Task A_column_compared_between_source_and_target_is_NULL_on_either_side(string name)
    {
        // WHEN MATCHED AND (s.[City] <> d.[City] OR … IS NULL …): a NULL on one side is a change too
        var file = await NonTrivialFileAsync("Dim.MergeCustomer");
        var found = Assert.Single(file.Cases, c => c.Name.Contains(name, StringComparison.Ordinal));
        Assert.True(NonTrivial(found), found.Name);
    }

    [Fact]
    public async Task A_stored_hash_compared_with_HASHBYTES_of_the_source_holds_the_hash_of_the_row_so_unchanged_and_changed_differ()
    {
        // WHEN MATCHED AND d.[Row Hash] <> HASHBYTES('SHA2_256', CONCAT(s.[Name], N'|', s.[Phone]))
        var file = await NonTrivialFileAsync("Dim.MergeSupplier");
        var unchanged = Assert.Single(file.Cases, c => c.Name.StartsWith("an entity already in the target, unchanged →", StringComparison.Ordinal));
        Assert.Null(unchanged.Expect.Error);
        Assert.False(NonTrivial(unchanged), "the unchanged supplier was updated: its stored hash is not the hash of its values");
        Assert.Contains(file.Cases, c => c.Name.Contains("an entity whose [Phone] changed", StringComparison.Ordinal) && NonTrivial(c));
    }

    [Fact]
    public async Task A_constant_the_code_inserts_into_a_foreign_key_names_a_row_of_the_referenced_table()
    {
        // INSERT INTO Log.StepRun (…, [Step State ID], …) VALUES (@ProcessRunId, 1, ''): without a Cfg.StepState row 1 every
        // call fails with 547, which the CATCH re-raises as 50000
        var file = await NonTrivialFileAsync("Log.StartStepRun");
        var state = new QualifiedName("Cfg", "StepState");
        Assert.Contains(file.Cases, c => NonTrivial(c) && c.Given.Any(g => g.Table == state && g.Rows.Any(r => Equals(Convert.ToInt64(r["Step State ID"]), 1L))));
    }

    [Fact]
    public async Task A_variable_set_to_a_constant_that_a_callee_updates_a_foreign_key_to_names_a_row_of_the_referenced_table()
    {
        // DECLARE @Finished int = 3; EXEC Log.SetStepRunState @StepStateId = @Finished → UPDATE … SET [Step State ID] = @StepStateId
        var file = await NonTrivialFileAsync("Log.FinishStepRun");
        var state = new QualifiedName("Cfg", "StepState");
        Assert.Contains(file.Cases, c => NonTrivial(c) && c.Given.Any(g => g.Table == state && g.Rows.Any(r => Equals(Convert.ToInt64(r["Step State ID"]), 3L))));
    }

    [Fact]
    public async Task Rows_of_a_table_whose_foreign_key_references_itself_have_their_parent_in_the_same_table()
    {
        // FK_Dim_Category_Dim_Category: a category's [Parent Category ID] is a row of Dim.Category too (or NULL for a root)
        var file = await NonTrivialFileAsync("Rpt.LoadCategoryPaths");
        var category = new QualifiedName("Dim", "Category");
        Assert.Contains(file.Cases, c => NonTrivial(c) && c.Given.Any(g => g.Table == category && g.Rows.Any(r => r["Parent Category ID"] is not null)));
    }

    [Fact]
    public void An_older_staged_version_of_text_keeps_to_what_the_load_converts_it_to()
    {
        // CAST(LTRIM(RTRIM(s.[PayrollMonth])) AS int) inside a TRY whose CATCH swallows the error: a version
        // whose text does not convert never reaches the INSERT
        var files = Fixture();
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true }.Analyze(files);
        var t = analysis.FindTransformation("Stage.LoadLevy")!;
        var facts = CodeFacts.Collect(analysis, t);
        Assert.Equal("int", facts.Conversions["PayrollMonth"]);
        Assert.Equal("date", facts.Conversions["DueOn"]);
        var candidates = new CandidateBuilder(analysis.Catalog, facts, t.Transformation.Parameters, new DateTime(2016, 6, 2, 8, 0, 0)).Build();
        var older = candidates.Where(c => c.Description.Contains("with an older staged version", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(older);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        foreach (var row in older.SelectMany(c => c.RowsOf(new QualifiedName("Stage", "Levy"))))
        {
            Assert.True(int.TryParse(Convert.ToString(row["PayrollMonth"], inv), System.Globalization.NumberStyles.Integer, inv, out _), $"PayrollMonth {row["PayrollMonth"]}");
            Assert.True(decimal.TryParse(Convert.ToString(row["AmountDue"], inv), System.Globalization.NumberStyles.Number, inv, out _), $"AmountDue {row["AmountDue"]}");
            Assert.True(DateTime.TryParse(Convert.ToString(row["DueOn"], inv), inv, System.Globalization.DateTimeStyles.None, out _), $"DueOn {row["DueOn"]}");
        }
    }

    [Fact]
    public async Task A_literal_passed_to_a_function_names_the_row_the_function_looks_up()
    {
        // Cfg.AuditSwitch('AuditLoads') → Cfg.OptionValue(ISNULL(@Name, 'AuditAll')) → WHERE [OptionId] = @OptionId
        var files = Fixture();
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true }.Analyze(files);
        var facts = CodeFacts.Collect(analysis, analysis.FindTransformation("Log.AuditedLoad")!);
        Assert.Contains("AuditLoads", facts.ColumnLiterals["OptionId"]);
        Assert.Contains("AuditAll", facts.ColumnLiterals["OptionId"]);
        // so the audit row is written in some case
        await NonTrivialFileAsync("Log.AuditedLoad");
    }

    [Fact]
    public async Task A_MERGE_keyed_by_a_parameter_through_a_values_only_source_gets_the_row_the_parameter_names()
    {
        // MERGE Cfg.FeedPosition AS t USING (SELECT @feed AS Feed) AS s ON t.FeedName = s.Feed
        var g = await FixtureGeneration.GenerateAsync(Fixture(), "Etl.SaveFeedPosition", new GenerationOptions { Cap = TimeSpan.Zero, MutationBudget = TimeSpan.FromMinutes(10) });
        Assert.True(g.Written, g.Skipped ?? string.Join("; ", g.Result?.Notes ?? Array.Empty<string>()));
        var file = g.Result!.File!;
        // the row the parameter names is updated in place
        Assert.Contains(file.Cases, c => c.Given.Any(t => t.Table.ToString() == "Cfg.FeedPosition" && t.Rows.Any(r => Equals(r["FeedName"], c.Call.First(a => a.Key == "@feed").Value)))
            && c.Expect.Tables.Any(t => t.Table?.ToString() == "Cfg.FeedPosition" && t.Rows.Any(r => Equals(r["LastEventId"], c.Call.First(a => a.Key == "@lastEventId").Value))));
        // so the ON clause's comparison is told apart
        Assert.DoesNotContain(g.Result.NotKilled, m => m.Line == 9);
    }
}
