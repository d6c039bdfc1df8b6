using System.ComponentModel.Composition;
using Microsoft.VisualStudio.LanguageServer.Client;
using Microsoft.VisualStudio.Utilities;

namespace EtlAgent.VisualStudio.LanguageClient
{
    /// <summary>
    /// The content type the language client serves: .sql files, deriving from the code-remote content
    /// type as Visual Studio's LSP client requires. SSDT defines its own content type for .sql in
    /// database projects; ours is a separate name, so neither replaces the other's definition, and the
    /// test files (*.etltest.yaml) get one of their own for their code actions and diagnostics.
    /// </summary>
    public static class SqlContentType
    {
        public const string Name = "etl-agent-sql";
        public const string TestFileName = "etl-agent-test";

        [Export]
        [Name(Name)]
        [BaseDefinition(CodeRemoteContentDefinition.CodeRemoteContentTypeName)]
        internal static ContentTypeDefinition SqlDefinition = null;

        [Export]
        [FileExtension(".sql")]
        [ContentType(Name)]
        internal static FileExtensionToContentTypeDefinition SqlExtension = null;

        [Export]
        [Name(TestFileName)]
        [BaseDefinition(CodeRemoteContentDefinition.CodeRemoteContentTypeName)]
        internal static ContentTypeDefinition TestFileDefinition = null;

        [Export]
        [FileExtension(".etltest.yaml")]
        [ContentType(TestFileName)]
        internal static FileExtensionToContentTypeDefinition TestFileExtension = null;
    }
}
