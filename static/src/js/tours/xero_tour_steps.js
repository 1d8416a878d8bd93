/** @odoo-module */
/**
 * Steps the tours share: opening an entry of the Xero menu, and "Send data
 * now" on the dashboard until nothing waits.
 */
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/** From anywhere: Invoicing ▸ Xero ▸ the entry ``menuXmlid`` names. */
export function openXeroMenu(menuXmlid, content) {
    return [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open Invoicing"),
        {
            content: "Open the Xero menu",
            trigger: 'button[data-menu-xmlid="account_xero.menu_xero_root"]',
            run: "click",
        },
        {
            content,
            trigger: `.dropdown-item[data-menu-xmlid="${menuXmlid}"]`,
            run: "click",
        },
    ];
}

/** On the dashboard: "Send data now", its notification, and nothing left waiting. */
export function sendNowSteps() {
    return [
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
    ];
}
