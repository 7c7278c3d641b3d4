"""What a test sees of a page embedding <kb-search>: the page, its dialogs and errors, the widget."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Dialog, Error, Locator, Page, expect


class Tab:
    """A browser page plus what it recorded: dialogs opened (script ran) and uncaught errors."""

    def __init__(self, page: Page, artifacts: Path, name: str) -> None:
        self.page = page
        self.artifacts = artifacts
        self.name = name
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", self._error)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _error(self, error: Error) -> None:
        self.errors.append(str(error))

    def screenshot(self, label: str, *, full_page: bool = False) -> Path:
        path = self.artifacts / f"{label}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    @property
    def widget(self) -> Widget:
        return Widget(self.page.locator("kb-search").first)


class Widget:
    """Locators into one kb-search element (Playwright's CSS engine pierces its open shadow root)."""

    def __init__(self, host: Locator) -> None:
        self.host = host
        self.input = host.locator("input[role=combobox]")
        self.listbox = host.locator("[role=listbox]")
        self.options = host.locator("[role=option]")
        self.answers = host.locator("a[role=option]")
        self.suggestions = host.locator("[role=option].suggestion")
        self.contact = host.locator("[role=option].contact")
        self.status = host.locator("[role=status]")
        self.message = host.locator(".message")
        self.feedback = host.locator(".feedback")

    def type(self, text: str) -> None:
        """Type `text` key by key into the box and wait until its results are on show."""
        self.input.press_sequentially(text, delay=15)
        self.settled(text)

    def settled(self, text: str) -> None:
        """Wait until the listbox shows the outcome for `text` (not that of a shorter prefix)."""
        expect(self.listbox).to_have_attribute("data-query", text.strip())
        expect(self.listbox).to_have_attribute("aria-busy", "false")

    def active_option_id(self) -> str | None:
        return self.input.get_attribute("aria-activedescendant")

    def shadow_count(self, selector: str) -> int:
        """How many elements inside the shadow root match `selector` (a plain querySelectorAll)."""
        return int(
            self.host.evaluate("(h, s) => h.shadowRoot.querySelectorAll(s).length", selector)
        )

    def input_focused(self) -> bool:
        """Whether keyboard focus is in the widget's search box (seen through the shadow root)."""
        return bool(
            self.host.evaluate(
                "h => document.activeElement === h && h.shadowRoot.activeElement"
                " === h.shadowRoot.querySelector('input')"
            )
        )
