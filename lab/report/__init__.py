"""The experiment report: data model, versioned JSON, Markdown/HTML/terminal views, en/ja text."""
