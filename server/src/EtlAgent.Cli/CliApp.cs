using EtlAgent.Cli.Commands;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Cli;

/// <summary>`etl-agent`: the command-line door onto the engine. It parses arguments and prints; nothing else.</summary>
public static class CliApp
{
    public const int ExitOk = 0;
    public const int ExitFindings = 1;
    public const int ExitUsage = 2;
    public const int ExitCancelled = 130;

    public const string Help = """
        etl-agent — an autonomous testing agent for T-SQL ETL/ELT pipelines

        Usage:
          etl-agent discover <workspace> [--format json|text] [--output FILE]
              Find transformations (procedures, views, functions, DML scripts), the schema catalog,
              column-level lineage and pipelines.
          etl-agent check <workspace> [--format text|json|sarif] [--fail-on error|warning|never] [--output FILE]
              Run the static ETL rules. SARIF 2.1.0 is accepted by GitHub code scanning.
          etl-agent test <workspace> [--filter GLOB] [--format text|json|junit] [--timeout SECONDS] [--output FILE] [--changed-since REF]
              Run the sandbox tests (*.etltest.yaml): given rows, call, expected rows/counts/errors.
              Text output ends with the line "N passed, M failed".
          etl-agent generate <workspace> [--transformation NAME] [--out DIR] [--force] [--no-mutants] [--budget SECONDS] [--cap SECONDS]
              Generate sandbox tests: inputs chosen from the code and the schema, expectations recorded
              from the current code (review them). Writes DIR/<Schema>.<Name>.etltest.yaml (default
              DIR: tests/etl); an existing file not written by the generator is never overwritten:
              the new one goes to <name>.generated.etltest.yaml unless --force.
          etl-agent mutate <workspace> [--transformation NAME] [--format text|json] [--output FILE]
              Mutation analysis: small changes to the code, run against its tests; killed, survived,
              timed out, probably equivalent, and the score.
          etl-agent analyze <workspace> [--format text|json] [--base REF | --no-base] [--transformation NAME] [--budget SECONDS] [--output FILE]
              Root-cause analysis: runs the tests and, for every failing case, names the statement at
              fault (file, lines, columns), a bug class, a confidence, ranked alternatives, the
              severity, a minimal failing input and an explanation. --base REF (a git revision) is
              the last green version: each changed statement is reverted alone to find the one at
              fault; without --base, the memory's last green version (the file as it was when all
              its cases last passed in a run) when the file changed since; --no-base: neither. With
              no base, single small edits of the statements the case ran are tried (--budget:
              seconds for that search per failure, default 15). The output names the base used.
          etl-agent run <workspace> [--no-generate] [--heal] [--base REF | --no-base] [--budget SECONDS] [--cap SECONDS] [--out DIR] [--fail-on error|warning|never] [--timeout SECONDS] [--changed-since REF] [--upload s3://BUCKET/PREFIX]
              The full run: discover, generate tests for every procedure that writes tables or
              returns rows and has no test file (as generate does; --budget bounds the total time, default 120), run every
              test, run the static rules. Prints a summary ending with "N passed, M failed · K findings
              (…)" and writes .etl-agent/reports/etl-agent.sarif (findings, SARIF 2.1.0) and
              .etl-agent/reports/junit.xml (tests, JUnit XML) and .etl-agent/reports/index.html (the
              run as a page: the pipelines drawn, statuses, failures, findings). Exit 1 when a test
              fails, a test file does not load, or a finding is at or above --fail-on. With --heal, then
              applies the verified heals etl-agent.json's "heal": {"autoApply": ...} allows (none by
              default) and lists the rest.
          etl-agent heal <workspace> [--format text|json] [--apply ID] [--base REF | --no-base] [--output FILE]
              Runs the tests; for each failing case, repairs (code: templates per bug class and inverse
              mutations of the suspect statements; test: re-recorded expectations, schema update), each
              verified in the sandbox (the failing cases pass, the others still pass, no new finding at
              warning or above), best first, with stable ids. --apply ID writes one where the policy
              allows it; refused (exit 1) otherwise. Every heal applied or refused is audited.
          etl-agent audit verify <workspace> [--format text|json]
              Check the audit trail (.etl-agent/audit.jsonl): every file the agent wrote, every
              refusal by the policy or the production guard, every budget stop, hash-chained. Exit 0
              when the chain holds; 1 naming the first broken entry (line and why).
          etl-agent history <workspace> [--format text|json] [--rules] [--output FILE]
              The runs the memory holds (etl-agent.json "memory"; default .etl-agent/memory.db): each
              run's time, commit, passed, failed and findings; trends of the pass rate, the findings and
              the mutation score; cases whose outcome changed on the same code and input; with --rules,
              how many findings of each rule were dismissed.
          etl-agent dismiss <workspace> (<finding> --reason TEXT [--until DATE] | <finding> --undo | --list ) [--format text|json]
              Dismiss a finding (as the editor's "Dismiss finding…" does): stored in the memory by
              fingerprint, left out of check, run and the editor until DATE (never without --until),
              audited. <finding> is a fingerprint (SARIF partialFingerprints, --list) or RULE:FILE:LINE
              as check's text output shows it (ETL0010:procs/a.sql:12).
              --list shows the dismissals; --undo shows the finding again.
          etl-agent rules [--format text|markdown] [--output DIR]
              List the rules; with --format markdown and --output DIR, write one doc page per rule.
          etl-agent --help | --version

        Options:
          --format F           Output format (default: text for check and test, json for discover).
          --filter GLOB        test: run only cases whose file path, transformation or case name
                               matches GLOB (* and ?), e.g. --filter "Dim.*".
          --timeout SECONDS    test, run: stop a case that runs longer (default 120); it fails as an error.
          --fail-on LEVEL      check, run: exit 1 when a finding is at or above LEVEL (default: error).
          --budget SECONDS     generate: time for the mutant search per transformation (default 45);
                               run: total time for generation (default 120; 0 generates nothing);
                               analyze: time for the mutant search per failing case (default 15).
          --cap SECONDS        generate, run: wall time for one transformation's generation (default
                               30; 0: none); its searches stop there and keep the cases found so far.
          --no-generate        run: only run the tests that exist.
          --upload S3URI       run: send the report files to s3://BUCKET/PREFIX/ (AWS credentials,
                               region and AWS_ENDPOINT_URL_S3 from the environment).
          --changed-since REF  test, run: only the tests of transformations a change since the git
                               revision REF reaches (through calls, views and lineage; a changed
                               table reaches its readers and writers), each with the reason;
                               most recently changed first.
          --rules              history: dismissals per rule, most dismissed first.
          --heal               run: apply the verified heals the policy allows.
          --reason TEXT        dismiss: why the finding is dismissed (recorded with it and in the audit trail).
          --until DATE         dismiss: the dismissal lapses then and the finding shows again.
          --list               dismiss: list the dismissed findings.
          --undo               dismiss: lift the dismissal of the named finding.
          --apply ID           heal: write the verified heal ID (where the policy allows it).
          --output FILE        Write the report to FILE instead of standard output.
          --base REF           analyze, run, heal: the git revision (commit, branch, tag) of the last
                               green version (default: the memory's, when the file changed since).
          --no-base            analyze, run, heal: compare with no last green version.
          --compat N           T-SQL compatibility level (100..170); overrides etl-agent.json.

        Exit codes:
          0  success (no finding at or above --fail-on; every test passed)
          1  findings at or above --fail-on; a test failed
          2  usage or configuration error (message on standard error, with file and line when known)
          130  cancelled (Ctrl+C)

        Workspace settings come from etl-agent.json at the workspace root; files matching
        .etlagentignore patterns (and bin/, obj/, node_modules/, .git/) are skipped.

        Sandbox: tests run in the embedded sandbox, or on SQL Server when ETLAGENT_SQLSERVER (or
        etl-agent.json "sandbox": {"connectionString": ...}) holds a connection string. Each case runs
        in a transaction that is always rolled back, and only a database named *_sandbox, *_test,
        *_tests, sandbox_*, test_* or tempdb, or listed in "sandbox": {"allowDatabase": "Name"}, is used.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        stdout = Output.SafeTextWriter.Wrap(stdout);
        stderr = Output.SafeTextWriter.Wrap(stderr);
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            stdout.WriteLine(Help);
            return args.Length == 0 ? ExitUsage : ExitOk;
        }
        if (args[0] is "--version" or "-v")
        {
            stdout.WriteLine(typeof(CliApp).Assembly.GetName().Version?.ToString(3) ?? "0.1.0");
            return ExitOk;
        }
        try
        {
            var options = CliOptions.Parse(args.Skip(1).ToArray());
            if (options.Help)
            {
                stdout.WriteLine(CommandHelp(args[0]) ?? throw new UsageException($"unknown command '{args[0]}'. Run 'etl-agent --help' for the list."));
                return ExitOk;
            }
            return args[0] switch
            {
                "discover" => await DiscoverCommand.RunAsync(options, stdout, cancellationToken),
                "check" => await CheckCommand.RunAsync(options, stdout, cancellationToken),
                "rules" => RulesCommand.Run(options, stdout),
                "test" => await TestCommand.RunAsync(options, stdout, stderr, cancellationToken),
                "generate" => await GenerateCommand.RunAsync(options, stdout, stderr, cancellationToken),
                "mutate" => await MutateCommand.RunAsync(options, stdout, stderr, cancellationToken),
                "run" => await RunCommand.RunAsync(options, stdout, stderr, cancellationToken),
                "audit" => AuditCommand.Run(options, stdout, stderr),
                "history" => await HistoryCommand.RunAsync(options, stdout, cancellationToken),
                "dismiss" => await DismissCommand.RunAsync(options, stdout, cancellationToken),
                "analyze" => await AnalyzeCommand.RunAsync(options, stdout, stderr, cancellationToken),
                "heal" => await HealCommand.RunAsync(options, stdout, stderr, cancellationToken),
                _ => throw new UsageException($"unknown command '{args[0]}'. Run 'etl-agent --help' for the list."),
            };
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"etl-agent: {e.Message}");
            return ExitUsage;
        }
        catch (ConfigurationException e)
        {
            stderr.WriteLine($"etl-agent: configuration error: {e.Message}");
            return ExitUsage;
        }
        catch (Core.Workspace.OutsideWorkspaceException e)
        {
            stderr.WriteLine($"etl-agent: error: {e.Message}");
            return ExitUsage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine("etl-agent: cancelled");
            return ExitCancelled;
        }
    }

    /// <summary>
    /// `etl-agent COMMAND --help`: the command's usage from <see cref="Help"/>, the options its usage
    /// line names, and the exit codes; null for an unknown command.
    /// </summary>
    public static string? CommandHelp(string command)
    {
        var lines = Help.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int start = lines.FindIndex(l => l.StartsWith($"  etl-agent {command} ", StringComparison.Ordinal) || l == $"  etl-agent {command}");
        if (start < 0 || command.StartsWith('-')) return null;
        var usage = new List<string> { lines[start] };
        for (int i = start + 1; i < lines.Count && lines[i].StartsWith("      ", StringComparison.Ordinal); i++) usage.Add(lines[i]);

        var options = new List<string>();
        int optionsAt = lines.IndexOf("Options:");
        for (int i = optionsAt + 1; i < lines.Count && lines[i].Length > 0; i++)
        {
            if (!lines[i].StartsWith("  --", StringComparison.Ordinal)) continue;
            var flag = lines[i].Trim().Split(' ')[0];
            // Options that no usage line names (--compat) apply to every command that reads a workspace.
            bool Names(string usageLine) => usageLine.Contains(flag + " ", StringComparison.Ordinal) || usageLine.Contains(flag + "]", StringComparison.Ordinal);
            bool generic = !lines.Any(l => l.StartsWith("  etl-agent ", StringComparison.Ordinal) && Names(l));
            if (!Names(lines[start]) && !(generic && lines[start].Contains("<workspace>", StringComparison.Ordinal))) continue;
            options.Add(lines[i]);
            for (int j = i + 1; j < lines.Count && lines[j].StartsWith("       ", StringComparison.Ordinal); j++) options.Add(lines[j]);
        }
        int exitAt = lines.IndexOf("Exit codes:");
        var exit = lines.Skip(exitAt).TakeWhile(l => l.Length > 0);

        var sb = new System.Text.StringBuilder();
        sb.AppendLine("Usage:");
        foreach (var l in usage) sb.AppendLine(l);
        if (options.Count > 0)
        {
            sb.AppendLine().AppendLine("Options:");
            foreach (var l in options) sb.AppendLine(l);
        }
        sb.AppendLine();
        foreach (var l in exit) sb.AppendLine(l);
        sb.Append("Run 'etl-agent --help' for every command.");
        return sb.ToString();
    }
}

public sealed class UsageException(string message) : Exception(message);
