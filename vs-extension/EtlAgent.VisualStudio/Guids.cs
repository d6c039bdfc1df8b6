using System;

namespace EtlAgent.VisualStudio
{
    /// <summary>
    /// The identities the package, its menus (EtlAgentPackage.vsct) and the packaging script
    /// (scripts/package-vs.js, which writes the .pkgdef on machines without the VSSDK) share.
    /// A change here must be made in the .vsct too; the .vsix test checks the three agree.
    /// </summary>
    internal static class Guids
    {
        public const string PackageString = "6f1b6e0a-3c2d-4f4e-9a51-6b7f0c8e2d41";
        public const string CommandSetString = "b8d4c2f1-5e6a-4b7c-8d9e-0f1a2b3c4d5e";
        public const string PipelinesToolWindowString = "2c9e7a13-8b4f-4d6e-a1c2-3e4f5a6b7c8d";
        public const string OptionsPageString = "e3a1f5c7-9d2b-4e8f-b6a4-1c3d5e7f9a0b";

        public static readonly Guid Package = new Guid(PackageString);
        public static readonly Guid CommandSet = new Guid(CommandSetString);
    }

    /// <summary>Command ids of the ETL Agent menu (EtlAgentPackage.vsct, guidEtlAgentCommandSet).</summary>
    internal static class CommandIds
    {
        public const int FullRun = 0x0100;
        public const int GenerateTests = 0x0101;
        public const int RunTests = 0x0102;
        public const int Mutate = 0x0103;
        public const int ExplainFailure = 0x0104;
        public const int ShowPipelines = 0x0110;
        public const int ShowOutput = 0x0111;
    }
}
