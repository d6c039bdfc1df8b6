namespace EtlAgent.Core.Model;

/// <summary>
/// What a module is to tSQLt when a workspace has it installed: the framework's own code, a test
/// (a procedure named test… in a test class), or other code of a test class (SetUp, helpers).
/// None of these is warehouse code: no tests are generated for them, and the rules skip the framework.
/// </summary>
public enum TsqltRole
{
    None,
    Framework,
    TestClassCode,
    Test,
}
