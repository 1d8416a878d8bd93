/** @odoo-module */
/**
 * The first minute of `make run` (acceptance 3 of issue 16): the demo
 * company's work waits; open the Xero dashboard, "Send data now", and
 * nothing waits any more. The test seeds the database with the same demo
 * function as `make run` (account_xero/demo/seed.py).
 */
import { registry } from "@web/core/registry";
import { openXeroMenu, sendNowSteps } from "@account_xero/js/tours/xero_tour_steps";

registry.category("web_tour.tours").add("xero_demo_tour", {
    url: "/odoo",
    steps: () => [
        ...openXeroMenu("account_xero.menu_xero_dashboard", "Open the Xero dashboard"),
        {
            content: "Four documents and a payment wait, and the first invoice was sent earlier",
            trigger: '.o_kanban_record .o_xero_waiting .fs-3:contains("6")',
        },
        {
            content: "Every account, tax and journal in use is mapped: no warning",
            trigger: ".o_kanban_record:not(:has(.o_xero_mapping_todo:visible))",
        },
        {
            content: "A manual connection says when it sends, not an empty next sync",
            trigger: '.o_kanban_record:contains("Sent when you click Send data now"):not(:contains("Next:"))',
        },
        ...sendNowSteps(),
        {
            content: "Nothing failed",
            trigger: '.o_kanban_record .o_xero_failed .fs-3:contains("0")',
        },
    ],
});
