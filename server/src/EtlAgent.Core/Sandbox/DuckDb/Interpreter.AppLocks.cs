using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// sp_getapplock / sp_releaseapplock. A case runs in one session and nothing else holds a lock, so a
/// request is granted at once (return code 0) and a release of a lock the code took returns 0. What
/// SQL Server answers with an error or -999 (a Transaction-owned lock outside a transaction, a mode it
/// does not know, releasing a lock not held) is refused, not guessed.
/// </summary>
internal sealed partial class Interpreter
{
    private static readonly string[] LockModes = { "Shared", "Update", "IntentShared", "IntentExclusive", "Exclusive" };

    /// <summary>Application locks taken in this run: resource (binary-compared, as SQL Server does) and owner.</summary>
    private readonly HashSet<(string Resource, string Owner)> _appLocks = new();

    /// <summary>The return code of sp_getapplock or sp_releaseapplock; null for any other procedure.</summary>
    private int? AppLock(string procedure, ExecutableProcedureReference pr)
    {
        bool get = procedure.Equals("sp_getapplock", StringComparison.OrdinalIgnoreCase);
        if (!get && !procedure.Equals("sp_releaseapplock", StringComparison.OrdinalIgnoreCase)) return null;
        var names = get ? new[] { "@Resource", "@LockMode", "@LockOwner", "@LockTimeout", "@DbPrincipal" } : new[] { "@Resource", "@LockOwner", "@DbPrincipal" };
        var args = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < pr.Parameters.Count; i++)
        {
            var a = pr.Parameters[i];
            var name = a.Variable?.Name ?? (i < names.Length ? names[i] : throw new SandboxRuntimeError(8144, $"Procedure or function {procedure} has too many arguments specified."));
            if (!names.Contains(name, StringComparer.OrdinalIgnoreCase)) throw new SandboxRuntimeError(8145, $"{name} is not a parameter for procedure {procedure}.");
            args[name] = Values.ToText(Eval(a.ParameterValue, SqlTranslator.NVarMax));
        }
        var resource = args.GetValueOrDefault("@Resource");
        var owner = args.GetValueOrDefault("@LockOwner") ?? "Transaction";
        if (resource is null) throw Unsupported($"{procedure} without @Resource", pr);
        if (!owner.Equals("Transaction", StringComparison.OrdinalIgnoreCase) && !owner.Equals("Session", StringComparison.OrdinalIgnoreCase))
            throw Unsupported($"{procedure} with @LockOwner '{owner}'", pr);
        bool transaction = owner.Equals("Transaction", StringComparison.OrdinalIgnoreCase);
        if (transaction && _tranCount == 0) throw Unsupported($"{procedure} with @LockOwner 'Transaction' outside a transaction", pr);
        var key = (resource.Length > 255 ? resource[..255] : resource, transaction ? "Transaction" : "Session");
        if (get)
        {
            var mode = args.GetValueOrDefault("@LockMode");
            if (mode is null || !LockModes.Contains(mode, StringComparer.OrdinalIgnoreCase)) throw Unsupported($"sp_getapplock with @LockMode '{mode ?? "NULL"}'", pr);
            _appLocks.Add(key);
            return 0;
        }
        if (!_appLocks.Remove(key)) throw Unsupported("sp_releaseapplock of a lock the code did not take", pr);
        return 0;
    }
}
