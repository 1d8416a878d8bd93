/** @odoo-module */
/**
 * The first minute of `make run` (acceptance 3 of issue 16): the demo
 * company's work waits; open the Xero dashboard, "Send data now", and
 * nothing waits any more. The test seeds the database with the same demo
 * function as `make run` (account_xero/demo/seed.py).
 */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("xero_demo_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open Invoicing"),
        {
            content: "Open the Xero menu",
            trigger: 'button[data-menu-xmlid="account_xero.menu_xero_root"]',
            run: "click",
        },
        {
            content: "Open the Xero dashboard",
            trigger: '.dropdown-item[data-menu-xmlid="account_xero.menu_xero_dashboard"]',
            run: "click",
        },
        {
            content: "Four documents and a payment wait, and the first invoice was sent earlier",
            trigger: '.o_kanban_record .o_xero_waiting .fs-3:contains("6")',
        },
        {
            content: "Every account, tax and journal in use is mapped: no warning",
            trigger: ".o_kanban_record:not(:has(.o_xero_mapping_todo:visible))",
        },
        {
            content: "Send data now",
            trigger: ".o_kanban_record button.o_xero_send_now",
            run: "click",
        },
        {
            content: "The run says what it did",
            trigger: '.o_notification:contains("0 failed")',
        },
        {
            content: "Nothing waits any more",
            trigger: '.o_kanban_record .o_xero_waiting .fs-3:contains("0")',
        },
        {
            content: "Nothing failed",
            trigger: '.o_kanban_record .o_xero_failed .fs-3:contains("0")',
        },
    ],
});
