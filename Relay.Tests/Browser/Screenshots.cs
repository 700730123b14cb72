namespace SignalRelay.Tests.Browser;

/// <summary>Screenshots of the console as test attachments, and (on request) as the README's docs/console.png.</summary>
public static class Screenshots
{
    /// <summary>Set to <c>true</c> to refresh docs/console.png from the browser test.</summary>
    public const string UpdateDocsVariable = "RELAY_UPDATE_SCREENSHOT";

    public static async Task SaveAsync(ConsolePage page, string name, bool publishToDocs = false)
    {
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"{name}-{TestContext.CurrentContext.Test.ID}.png");
        await page.ScreenshotAsync(path);
        TestContext.AddTestAttachment(path, $"The console page ({name})");

        // Only on request: a test run must not rewrite a tracked file every time.
        if (publishToDocs && Environment.GetEnvironmentVariable(UpdateDocsVariable) == "true")
        {
            var docs = Path.GetFullPath(Path.Combine(JsEnvironment.ScriptsDirectory, "..", "..", "docs"));
            Directory.CreateDirectory(docs);
            File.Copy(path, Path.Combine(docs, $"{name}.png"), overwrite: true);
        }
    }
}
