using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// Calls: procedures (EXECUTE, INSERT … EXEC and the sandbox's own entry point), dynamic SQL
/// (EXECUTE of a string, sp_executesql) and user-defined functions (called by the translator).
/// Each call runs in a new frame.
/// </summary>
internal sealed partial class Interpreter
{
    // ---------------------------------------------------------------- procedures

    public int? RunProcedure(QualifiedName name, IReadOnlyDictionary<string, object?> args, Dictionary<string, object?> outputs, TSqlFragment? at)
    {
        if (!_model.Procedures.TryGetValue(name, out var proc))
            throw new SandboxRuntimeError(2812, $"Could not find stored procedure '{name}'.");
        var body = (ProcedureStatementBody)proc.Syntax.Definition!;
        var frame = NewFrame(proc.Document, proc.Transformation.Name);
        foreach (var p in body.Parameters)
        {
            if (p.DataType is UserDataTypeReference udt && _model.Catalog.Find(DdlReader.NameOf(udt.Name)) is { Kind: TableKind.TableType } tableType)
            {
                // Table-valued parameter: a table variable filled from the argument's rows.
                var tvp = WithFrame(frame, () => CreateLocal(p.VariableName.Value, tableType, p));
                if (args.TryGetValue(p.VariableName.Value, out var rowsArg) && rowsArg is IEnumerable<SandboxRow> tvpRows)
                    foreach (var row in tvpRows)
                    {
                        var cols = row.Keys.Select(k => tableType.FindColumn(k) ?? throw new SandboxRuntimeError(207, $"Invalid column name '{k}'.")).ToList();
                        WithFrame(frame, () => Exec($"INSERT INTO {Id(tvp.PhysicalName)} ({string.Join(", ", cols.Select(c => Id(c.Name)))}) VALUES ({string.Join(", ", cols.Select(c => Literal(Values.Coerce(row[c.Name], c.Type), c.Type)))})"));
                    }
                continue;
            }
            var type = DataTypes.From(p.DataType, _model.Catalog.AliasTypes);
            object? value;
            if (args.TryGetValue(p.VariableName.Value, out var given))
            {
                Values.CheckEntering(given, type, $"argument {p.VariableName.Value} of {proc.Transformation.Name}:");
                value = Values.Coerce(given, type);
            }
            else if (p.Value is not null) value = WithFrame(frame, () => Eval(p.Value, type));
            else if (p.Modifier == ParameterModifier.Output) value = null;
            else throw new SandboxRuntimeError(201, $"Procedure or function '{proc.Transformation.Name}' expects parameter '{p.VariableName.Value}', which was not supplied.");
            frame.Vars[p.VariableName.Value] = new Var { Type = type, Value = value };
        }
        foreach (var key in args.Keys)
            if (!body.Parameters.Any(p => string.Equals(p.VariableName.Value, key, StringComparison.OrdinalIgnoreCase)))
                throw new SandboxRuntimeError(8145, $"{key} is not a parameter for procedure {proc.Transformation.Name}.");
        int entered = _tranCount;
        RunInFrame(frame, body.StatementList?.Statements ?? (IList<TSqlStatement>)Array.Empty<TSqlStatement>());
        foreach (var p in body.Parameters.Where(p => p.Modifier == ParameterModifier.Output))
            outputs[p.VariableName.Value] = frame.Vars[p.VariableName.Value].Value;
        // a procedure that returns with another @@TRANCOUNT than it was called with: the caller gets 266 (the transaction stays as it is)
        if (_tranCount != entered)
            throw new SandboxRuntimeError(266, $"Transaction count after EXECUTE indicates a mismatching number of BEGIN and COMMIT statements. Previous count = {entered}, current count = {_tranCount}.", 16, 2);
        return frame.ReturnValue ?? 0;
    }

    private void ExecuteSpec(ExecuteSpecification spec, TSqlFragment? at)
    {
        if (spec.LinkedServer is not null || spec.ExecuteContext is not null) throw Unsupported("EXECUTE AT/AS", spec);
        switch (spec.ExecutableEntity)
        {
            case ExecutableStringList sl:
            {
                var text = string.Concat(sl.Strings.Select(s => Values.ToText(Eval(s, SqlTranslator.NVarMax))));
                RunDynamic(text, new Dictionary<string, Var>(), spec);
                return;
            }
            case ExecutableProcedureReference pr:
            {
                if (pr.ProcedureReference.ProcedureVariable is not null) throw Unsupported("EXECUTE @procedure_variable", pr);
                var name = DdlReader.NameOf(pr.ProcedureReference.ProcedureReference.Name);
                if (name.Name.Equals("sp_executesql", StringComparison.OrdinalIgnoreCase)) { SpExecuteSql(pr); return; }
                if (name.Schema.Equals("dbo", StringComparison.OrdinalIgnoreCase) && !_model.Procedures.ContainsKey(name) && AppLock(name.Name, pr) is { } locked)
                {
                    if (spec.Variable is not null) Assign(spec.Variable.Name, locked, pr);
                    return;
                }
                // a workspace procedure named sp_… (audit.sp_LogStart) is the workspace's, not a system one
                if ((name.Name.StartsWith("sp_", StringComparison.OrdinalIgnoreCase) || name.Name.StartsWith("xp_", StringComparison.OrdinalIgnoreCase))
                    && !_model.Procedures.ContainsKey(name))
                    throw Unsupported($"system procedure {name.Name}", pr);
                var proc = _model.Procedures.TryGetValue(name, out var p) ? p : throw new SandboxRuntimeError(2812, $"Could not find stored procedure '{name}'.");
                var body = (ProcedureStatementBody)proc.Syntax.Definition!;
                var args = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                var outputs = new List<(string Param, string Var)>();
                for (int i = 0; i < pr.Parameters.Count; i++)
                {
                    var a = pr.Parameters[i];
                    string pname = a.Variable?.Name ?? (i < body.Parameters.Count ? body.Parameters[i].VariableName.Value : throw new SandboxRuntimeError(8144, $"Procedure or function {name.Name} has too many arguments specified."));
                    var pdef = body.Parameters.FirstOrDefault(x => string.Equals(x.VariableName.Value, pname, StringComparison.OrdinalIgnoreCase))
                        ?? throw new SandboxRuntimeError(8145, $"{pname} is not a parameter for procedure {name.Name}.");
                    if (a.ParameterValue is DefaultLiteral) continue;
                    if (pdef.DataType is UserDataTypeReference tvpType && _model.Catalog.Find(DdlReader.NameOf(tvpType.Name)) is { Kind: TableKind.TableType })
                    {
                        // a table variable passed to a READONLY table-valued parameter: its rows, copied into the callee's
                        if (a.ParameterValue is not VariableReference tv || FindLocal(tv.Name) is not { } passed)
                            throw Unsupported("a table-valued parameter given something other than a table variable", a);
                        var (names, rows) = Query($"SELECT * FROM {Id(passed.PhysicalName)}");
                        args[pname] = rows.Select(r =>
                        {
                            var row = new SandboxRow();
                            for (int c = 0; c < names.Count; c++) row[names[c]] = r[c];
                            return row;
                        }).ToList();
                        continue;
                    }
                    args[pname] = Eval(a.ParameterValue, DataTypes.From(pdef.DataType, _model.Catalog.AliasTypes));
                    if (a.IsOutput)
                    {
                        if (a.ParameterValue is not VariableReference vr) throw Unsupported("OUTPUT argument that is not a variable", a);
                        outputs.Add((pname, vr.Name));
                    }
                }
                var outs = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                var rc = RunProcedure(name, args, outs, at);
                foreach (var (param, v) in outputs) Assign(v, outs[param], pr);
                if (pr.Parameters.Count >= 0 && spec.Variable is not null) Assign(spec.Variable.Name, rc, pr);
                return;
            }
            default: throw Unsupported(spec.ExecutableEntity.GetType().Name, spec);
        }
    }

    private void SpExecuteSql(ExecutableProcedureReference pr)
    {
        if (pr.Parameters.Count == 0) throw new SandboxRuntimeError(201, "Procedure or function 'sp_executesql' expects parameter '@statement', which was not supplied.");
        var text = Values.ToText(Eval(pr.Parameters[0].ParameterValue, SqlTranslator.NVarMax)) ?? "";
        var vars = new Dictionary<string, Var>(StringComparer.OrdinalIgnoreCase);
        var outputs = new List<(string Param, string Var)>();
        if (pr.Parameters.Count > 1)
        {
            var defs = Values.ToText(Eval(pr.Parameters[1].ParameterValue, SqlTranslator.NVarMax)) ?? "";
            var parsed = new TSql170Parser(false).Parse(new StringReader($"CREATE PROCEDURE __p {defs} AS RETURN"), out var errors) as TSqlScript;
            if (errors.Count > 0 || parsed?.Batches[0].Statements[0] is not CreateProcedureStatement cp) throw Unsupported("sp_executesql parameter list", pr.Parameters[1]);
            var pars = cp.Parameters;
            for (int i = 2; i < pr.Parameters.Count; i++)
            {
                var a = pr.Parameters[i];
                var pdef = a.Variable is not null ? pars.FirstOrDefault(p => string.Equals(p.VariableName.Value, a.Variable.Name, StringComparison.OrdinalIgnoreCase)) : (i - 2 < pars.Count ? pars[i - 2] : null);
                if (pdef is null) throw new SandboxRuntimeError(8145, $"{a.Variable?.Name} is not a parameter for procedure sp_executesql.");
                var type = DataTypes.From(pdef.DataType, _model.Catalog.AliasTypes);
                vars[pdef.VariableName.Value] = new Var { Type = type, Value = Eval(a.ParameterValue, type) };
                if (a.IsOutput && a.ParameterValue is VariableReference vr) outputs.Add((pdef.VariableName.Value, vr.Name));
            }
            foreach (var p in pars)
                if (!vars.ContainsKey(p.VariableName.Value))
                    vars[p.VariableName.Value] = new Var { Type = DataTypes.From(p.DataType, _model.Catalog.AliasTypes), Value = p.Value is null ? null : Eval(p.Value, DataTypes.From(p.DataType, _model.Catalog.AliasTypes)) };
        }
        var frame = RunDynamic(text, vars, pr);
        foreach (var (param, v) in outputs) Assign(v, frame.Vars[param].Value, pr);
    }

    private Frame RunDynamic(string text, Dictionary<string, Var> vars, TSqlFragment at)
    {
        var doc = new SqlParser().Parse("(dynamic SQL)", text);
        if (doc.Errors.Count > 0)
        {
            // the parser reads a view after another statement of its batch as bad syntax; SQL Server names it (111)
            var view = System.Text.RegularExpressions.Regex.Match(text, @"\b(CREATE\s+(OR\s+ALTER\s+)?|ALTER\s+)VIEW\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
            if (view.Success && view.Index > 0 && new SqlParser().Parse("(dynamic SQL)", text[view.Index..]).Errors.Count == 0)
                throw new SandboxRuntimeError(111, $"'{(view.Value.StartsWith("ALTER", StringComparison.OrdinalIgnoreCase) ? "ALTER VIEW" : "CREATE VIEW")}' must be the first statement in a query batch.");
            throw new SandboxRuntimeError(102, "Incorrect syntax in dynamic SQL: " + doc.Errors[0].Message) { Data = { ["dynamicLine"] = doc.Errors[0].Range.Start.Line + 1 } };
        }
        var frame = NewFrame(doc, null);
        foreach (var (k, v) in vars) frame.Vars[k] = v;
        var caller = _frame.Document; // taken now: a filter runs before the inner frame's finally restores _frame
        try
        {
            foreach (var batch in doc.Script!.Batches) RunInFrame(frame, batch.Statements);
        }
        catch (SandboxRuntimeError e) when (caller is not null && (ReferenceEquals(e.Data["document"], doc) || e.Data["exec"] is Location { File: var f } && f == doc.Path))
        {
            // raised in the text (or in text it ran in turn): the source statement that ran it is where it happened
            e.Data["exec"] = caller.LocationOf(at);
            throw;
        }
        catch (UnsupportedConstructException u) when (u.Location?.File == doc.Path && caller?.LocationOf(at) is { } exec)
        {
            // the text has no file of its own: the refusal names the statement that ran it, and the line within the text
            throw new UnsupportedConstructException(u.Construct, exec,
                $"in the dynamic SQL run here, at its line {u.Location.Range.Start.Line + 1}{(u.Detail is null ? "" : "; " + u.Detail)}");
        }
        return frame;
    }

    // ---------------------------------------------------------------- functions

    private (object? Value, SqlType Type) CallScalarFunction(FunctionStatementBody fn, IReadOnlyList<(object? Value, SqlType Type)> args, TSqlFragment at)
    {
        var rtype = DataTypes.From(((ScalarFunctionReturnType)fn.ReturnType).DataType, _model.Catalog.AliasTypes);
        var qn = DdlReader.NameOf(fn.Name);
        var doc = _model.Functions.TryGetValue(qn, out var f) ? f.Document : _frame.Document;
        if (fn.Options.Any(o => o.OptionKind == FunctionOptionKind.ReturnsNullOnNullInput) && args.Any(a => a.Value is null)) return (null, rtype);
        var frame = NewFrame(doc, qn.ToString());
        for (int i = 0; i < fn.Parameters.Count; i++)
            frame.Vars[fn.Parameters[i].VariableName.Value] = new Var { Type = args[i].Type, Value = args[i].Value };
        frame.FunctionReturnType = rtype;
        var saved = _frame;
        _frame = frame;
        try { RunList(fn.StatementList.Statements); }
        finally { _frame = saved; }
        return (frame.FunctionResult, rtype);
    }

    private LocalTable CallTableFunction(FunctionStatementBody fn, IReadOnlyList<(object? Value, SqlType Type)> args, TSqlFragment at)
    {
        var rt = (TableValuedFunctionReturnType)fn.ReturnType;
        var qn = DdlReader.NameOf(fn.Name);
        var doc = _model.Functions.TryGetValue(qn, out var f) ? f.Document : _frame.Document;
        var frame = NewFrame(doc, qn.ToString());
        for (int i = 0; i < fn.Parameters.Count; i++)
            frame.Vars[fn.Parameters[i].VariableName.Value] = new Var { Type = args[i].Type, Value = args[i].Value };
        var saved = _frame;
        _frame = frame;
        LocalTable result;
        try
        {
            var def = DdlReader.ReadDeclaredTable(doc!, new QualifiedName(null, rt.DeclareTableVariableBody.VariableName.Value), rt.DeclareTableVariableBody.Definition, at, _model.Catalog.AliasTypes);
            result = CreateLocal(rt.DeclareTableVariableBody.VariableName.Value, def, at);
            RunList(fn.StatementList.Statements);
        }
        finally { _frame = saved; }
        // The result outlives the function's frame: the caller's frame drops it.
        _frame.Tables["@@tvf" + result.PhysicalName] = result;
        return result;
    }
}
