using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Discovery;

/// <summary>
/// DDL a deployment script runs inside control flow rather than as a statement of its own: the
/// idempotent forms `IF NOT EXISTS (SELECT … FROM sys.tables …) BEGIN CREATE TABLE … END`,
/// `IF OBJECT_ID('…') IS NULL CREATE TABLE …`, either branch of IF … ELSE, and BEGIN TRY … END TRY
/// wrappers. Only a script's own blocks are opened: a CREATE TABLE inside a procedure, function or
/// trigger body is a run-time work table, not a definition (those bodies are separate statements
/// and are never entered here).
/// </summary>
public static class GuardedDdl
{
    /// <summary>The statements nested in one top-level statement's blocks, at any depth, in text order.</summary>
    public static IEnumerable<TSqlStatement> Inside(TSqlStatement topLevel)
    {
        var pending = new Stack<TSqlStatement>();
        foreach (var child in Children(topLevel).Reverse()) pending.Push(child);
        while (pending.Count > 0)
        {
            var statement = pending.Pop();
            yield return statement;
            foreach (var child in Children(statement).Reverse()) pending.Push(child);
        }
    }

    /// <summary>True for a statement whose blocks can hold guarded DDL.</summary>
    public static bool IsBlock(TSqlStatement statement) => statement is IfStatement or BeginEndBlockStatement or TryCatchStatement;

    private static IEnumerable<TSqlStatement> Children(TSqlStatement statement)
    {
        switch (statement)
        {
            case IfStatement i:
                if (i.ThenStatement is not null) yield return i.ThenStatement;
                if (i.ElseStatement is not null) yield return i.ElseStatement;
                break;
            case BeginEndBlockStatement b when b.StatementList is not null:
                foreach (var s in b.StatementList.Statements) yield return s;
                break;
            case TryCatchStatement t:
                if (t.TryStatements is not null) foreach (var s in t.TryStatements.Statements) yield return s;
                if (t.CatchStatements is not null) foreach (var s in t.CatchStatements.Statements) yield return s;
                break;
        }
    }
}
