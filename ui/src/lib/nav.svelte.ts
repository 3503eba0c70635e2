// The current page, shared so any page can send the user elsewhere (after installing, say).
import type { Page } from "./pages";

export const nav = $state<{ page: Page }>({ page: "catalog" });

export function navigate(page: Page): void {
  nav.page = page;
}
