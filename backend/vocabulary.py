"""The product's coded values and their words: one place that every screen, export and message reads.

A code (`in_progress`, `opt-in`, `report.assign`; the vocabularies are defined in `backend.codes` and re-exported
here) is what the database, the APIs and the feeds carry; a label ("In progress", "W realizacji", "У роботі") is only
ever shown to a person.
Cross-cutting like `backend.i18n` (whose languages it is written in), usable from the models up to HTTP.
"""

from __future__ import annotations

from enum import StrEnum

from backend.codes import (
    OPEN_REPORT_STATUSES as OPEN_REPORT_STATUSES,
)
from backend.codes import (
    SURVEY_PROVENANCES as SURVEY_PROVENANCES,
)
from backend.codes import (
    VOCABULARIES as VOCABULARIES,
)
from backend.codes import (
    Audience as Audience,
)
from backend.codes import (
    AuditAction as AuditAction,
)
from backend.codes import (
    BroadcastStatus as BroadcastStatus,
)
from backend.codes import (
    Channel as Channel,
)
from backend.codes import (
    LightStatus as LightStatus,
)
from backend.codes import (
    Priority as Priority,
)
from backend.codes import (
    Provenance as Provenance,
)
from backend.codes import (
    RejectReason as RejectReason,
)
from backend.codes import (  # the vocabularies, re-exported with their words
    ReportStatus as ReportStatus,
)
from backend.codes import (
    Role as Role,
)
from backend.codes import (
    Topic as Topic,
)
from backend.codes import (
    Unit as Unit,
)
from backend.i18n import DEFAULT_LANGUAGE, normalise
from backend.i18n import LANGUAGES as LANGUAGES  # the languages every label is written in

#: code -> {language: label}, per vocabulary. Words a resident or a clerk would read, capitalised as a menu item.
LABELS: dict[type[StrEnum], dict[str, dict[str, str]]] = {
    ReportStatus: {
        ReportStatus.SUBMITTED: {"en": "Submitted", "pl": "Zgłoszone", "uk": "Подано"},
        ReportStatus.ACKNOWLEDGED: {"en": "Acknowledged", "pl": "Przyjęte", "uk": "Прийнято"},
        ReportStatus.IN_PROGRESS: {"en": "In progress", "pl": "W realizacji", "uk": "У роботі"},
        ReportStatus.RESOLVED: {"en": "Resolved", "pl": "Rozwiązane", "uk": "Вирішено"},
        ReportStatus.CLOSED: {"en": "Closed", "pl": "Zamknięte", "uk": "Закрито"},
        ReportStatus.REJECTED: {"en": "Rejected", "pl": "Odrzucone", "uk": "Відхилено"},
        ReportStatus.DUPLICATE: {"en": "Duplicate", "pl": "Duplikat", "uk": "Дублікат"},
    },
    Priority: {
        Priority.LOW: {"en": "Low", "pl": "Niski", "uk": "Низький"},
        Priority.NORMAL: {"en": "Normal", "pl": "Zwykły", "uk": "Звичайний"},
        Priority.HIGH: {"en": "High", "pl": "Wysoki", "uk": "Високий"},
        Priority.URGENT: {"en": "Urgent", "pl": "Pilny", "uk": "Терміновий"},
    },
    Role: {
        Role.ADMIN: {"en": "Administrator", "pl": "Administrator", "uk": "Адміністратор"},
        Role.MANAGER: {"en": "Manager", "pl": "Kierownik", "uk": "Керівник"},
        Role.DISPATCHER: {"en": "Dispatcher", "pl": "Dyspozytor", "uk": "Диспетчер"},
        Role.DEPARTMENT_STAFF: {"en": "Department staff", "pl": "Pracownik wydziału", "uk": "Працівник відділу"},
        Role.VIEWER: {"en": "Read-only viewer", "pl": "Tylko podgląd", "uk": "Лише перегляд"},
    },
    Topic: {
        Topic.MY_REPORTS: {"en": "My reports", "pl": "Moje zgłoszenia", "uk": "Мої звернення"},
        Topic.EMERGENCY: {"en": "Emergency alerts", "pl": "Komunikaty alarmowe", "uk": "Екстрені сповіщення"},
        Topic.WEATHER: {"en": "Weather", "pl": "Pogoda", "uk": "Погода"},
        Topic.WASTE: {"en": "Waste collection", "pl": "Wywóz odpadów", "uk": "Вивезення сміття"},
        Topic.TRANSPORT: {"en": "Transport and traffic", "pl": "Komunikacja i ruch drogowy", "uk": "Транспорт і рух"},
        Topic.EVENTS: {"en": "Events", "pl": "Wydarzenia", "uk": "Події"},
        Topic.SURVEYS: {"en": "Surveys", "pl": "Ankiety", "uk": "Опитування"},
        Topic.CITY_NEWS: {"en": "City news", "pl": "Wiadomości z miasta", "uk": "Новини міста"},
    },
    Provenance: {
        Provenance.OPERATIONAL: {
            "en": "Operational (reports)",
            "pl": "Operacyjne (zgłoszenia)",
            "uk": "Операційні (звернення)",
        },
        Provenance.OPT_IN: {"en": "Opt-in survey", "pl": "Ankieta otwarta", "uk": "Відкрите опитування"},
        Provenance.REPRESENTATIVE: {
            "en": "Representative survey",
            "pl": "Badanie reprezentatywne",
            "uk": "Репрезентативне опитування",
        },
    },
    Unit: {
        Unit.PERCENT: {"en": "Percent", "pl": "Procent", "uk": "Відсоток"},
        Unit.HOURS: {"en": "Hours", "pl": "Godziny", "uk": "Години"},
        Unit.PER_1000: {"en": "Per 1,000 residents", "pl": "Na 1000 mieszkańców", "uk": "На 1000 мешканців"},
        Unit.SCALE_1_5: {"en": "Scale of 1 to 5", "pl": "Skala od 1 do 5", "uk": "Шкала від 1 до 5"},
        Unit.POINTS: {"en": "Points", "pl": "Punkty", "uk": "Бали"},
    },
    LightStatus: {
        LightStatus.GREEN: {"en": "On target", "pl": "Cel osiągnięty", "uk": "Ціль досягнуто"},
        LightStatus.AMBER: {"en": "Near target", "pl": "Blisko celu", "uk": "Близько до цілі"},
        LightStatus.RED: {"en": "Off target", "pl": "Poza celem", "uk": "Поза ціллю"},
        LightStatus.NONE: {"en": "No thresholds", "pl": "Bez progów", "uk": "Без порогів"},
        LightStatus.SUPPRESSED: {"en": "Too few answers", "pl": "Za mało odpowiedzi", "uk": "Замало відповідей"},
    },
    RejectReason: {
        RejectReason.INVALID: {
            "en": "Not a valid report",
            "pl": "Nieprawidłowe zgłoszenie",
            "uk": "Некоректне звернення",
        },
        RejectReason.DUPLICATE: {"en": "Duplicate", "pl": "Duplikat", "uk": "Дублікат"},
        RejectReason.NOT_OUR_RESPONSIBILITY: {
            "en": "Not the city's responsibility",
            "pl": "Poza kompetencjami miasta",
            "uk": "Не належить до компетенції міста",
        },
    },
    AuditAction: {
        AuditAction.REPORT_STATUS: {"en": "Status changed", "pl": "Zmiana statusu", "uk": "Зміна статусу"},
        AuditAction.REPORT_ASSIGN: {"en": "Assigned", "pl": "Przydzielenie", "uk": "Призначення"},
        AuditAction.REPORT_PRIORITY: {"en": "Priority changed", "pl": "Zmiana priorytetu", "uk": "Зміна пріоритету"},
        AuditAction.REPORT_REPLY: {"en": "Public reply", "pl": "Odpowiedź publiczna", "uk": "Публічна відповідь"},
        AuditAction.REPORT_NOTE: {"en": "Internal note", "pl": "Notatka wewnętrzna", "uk": "Внутрішня нотатка"},
        AuditAction.REPORT_RECATEGORISE: {"en": "Re-categorised", "pl": "Zmiana kategorii", "uk": "Зміна категорії"},
        AuditAction.REPORT_MOVE: {"en": "Location corrected", "pl": "Poprawa lokalizacji", "uk": "Уточнення місця"},
        AuditAction.REPORT_MERGE: {"en": "Merged", "pl": "Połączenie zgłoszeń", "uk": "Об’єднання звернень"},
        AuditAction.REPORT_MODERATE: {"en": "Moderated", "pl": "Moderacja", "uk": "Модерація"},
        AuditAction.REPORT_REOPENED_BY_RESIDENT: {
            "en": "Reopened by the resident",
            "pl": "Ponownie otwarte przez mieszkańca",
            "uk": "Повторно відкрито мешканцем",
        },
        AuditAction.PHOTO_MODERATE: {"en": "Photo moderated", "pl": "Moderacja zdjęcia", "uk": "Модерація фото"},
        AuditAction.STAFF_CREATE: {
            "en": "Staff member added",
            "pl": "Dodanie pracownika",
            "uk": "Додавання працівника",
        },
        AuditAction.STAFF_ACTIVATE: {
            "en": "Account reactivated",
            "pl": "Aktywacja konta",
            "uk": "Активація облікового запису",
        },
        AuditAction.STAFF_DEACTIVATE: {
            "en": "Account deactivated",
            "pl": "Dezaktywacja konta",
            "uk": "Деактивація облікового запису",
        },
        AuditAction.DEPARTMENT_CREATE: {"en": "Department added", "pl": "Dodanie wydziału", "uk": "Додавання відділу"},
        AuditAction.SERVICE_UPDATE: {"en": "Service changed", "pl": "Zmiana usługi", "uk": "Зміна послуги"},
        AuditAction.API_KEY_CREATE: {
            "en": "API key created",
            "pl": "Utworzenie klucza API",
            "uk": "Створення ключа API",
        },
        AuditAction.API_KEY_REVOKE: {
            "en": "API key revoked",
            "pl": "Unieważnienie klucza API",
            "uk": "Відкликання ключа API",
        },
        AuditAction.LOGIN: {"en": "Signed in", "pl": "Logowanie", "uk": "Вхід"},
        AuditAction.LOGIN_FAILED: {"en": "Failed sign-in", "pl": "Nieudane logowanie", "uk": "Невдалий вхід"},
        AuditAction.LOGOUT: {"en": "Signed out", "pl": "Wylogowanie", "uk": "Вихід"},
        AuditAction.SECOND_FACTOR_ON: {
            "en": "Second factor turned on",
            "pl": "Włączenie drugiego składnika",
            "uk": "Увімкнення другого фактора",
        },
        AuditAction.SECOND_FACTOR_OFF: {
            "en": "Second factor turned off",
            "pl": "Wyłączenie drugiego składnika",
            "uk": "Вимкнення другого фактора",
        },
        AuditAction.SECOND_FACTOR_RESET: {
            "en": "Second factor reset",
            "pl": "Zresetowanie drugiego składnika",
            "uk": "Скидання другого фактора",
        },
        AuditAction.SECOND_FACTOR_RECOVERY_CODE: {
            "en": "Signed in with a recovery code",
            "pl": "Logowanie kodem odzyskiwania",
            "uk": "Вхід за кодом відновлення",
        },
        AuditAction.RECOVERY_CODES_RENEW: {
            "en": "New recovery codes",
            "pl": "Nowe kody odzyskiwania",
            "uk": "Нові коди відновлення",
        },
        AuditAction.REAUTHENTICATION_FAILED: {
            "en": "Wrong password or code in the second factor's settings",
            "pl": "Błędne hasło lub kod w ustawieniach drugiego składnika",
            "uk": "Хибний пароль або код у налаштуваннях другого фактора",
        },
        AuditAction.PASSWORD_CHANGE: {"en": "Password changed", "pl": "Zmiana hasła", "uk": "Зміна пароля"},
        AuditAction.PASSWORD_CHANGE_FAILED: {"en": "Wrong password", "pl": "Błędne hasło", "uk": "Хибний пароль"},
        AuditAction.PASSWORD_RESET_SENT: {"en": "Reset link sent", "pl": "Wysłano link", "uk": "Надіслано посилання"},
        AuditAction.PASSWORD_RESET: {"en": "Password reset", "pl": "Ustawienie hasła", "uk": "Відновлення пароля"},
        AuditAction.INDICATOR_CREATE: {"en": "Indicator added", "pl": "Dodanie wskaźnika", "uk": "Додавання показника"},
        AuditAction.INDICATOR_UPDATE: {"en": "Indicator changed", "pl": "Zmiana wskaźnika", "uk": "Зміна показника"},
        AuditAction.INDICATOR_RECOMPUTE: {
            "en": "Indicators recomputed",
            "pl": "Ponowne przeliczenie wskaźników",
            "uk": "Перерахунок показників",
        },
        AuditAction.SURVEY_CREATE: {"en": "Survey created", "pl": "Utworzenie ankiety", "uk": "Створення опитування"},
        AuditAction.SURVEY_UPDATE: {"en": "Survey changed", "pl": "Zmiana ankiety", "uk": "Зміна опитування"},
        AuditAction.SURVEY_PUBLISH: {
            "en": "Survey published",
            "pl": "Publikacja ankiety",
            "uk": "Публікація опитування",
        },
        AuditAction.SURVEY_CLOSE: {"en": "Survey closed", "pl": "Zamknięcie ankiety", "uk": "Закриття опитування"},
        AuditAction.SURVEY_INVITE: {
            "en": "Survey invitations sent",
            "pl": "Wysłanie zaproszeń do ankiety",
            "uk": "Надсилання запрошень до опитування",
        },
        AuditAction.BROADCAST_CREATE: {
            "en": "Broadcast created",
            "pl": "Utworzenie komunikatu",
            "uk": "Створення розсилки",
        },
        AuditAction.BROADCAST_CANCEL: {
            "en": "Broadcast cancelled",
            "pl": "Anulowanie komunikatu",
            "uk": "Скасування розсилки",
        },
        AuditAction.PERSONAL_DATA_EXPORT: {
            "en": "Personal data exported",
            "pl": "Wydanie danych osobowych",
            "uk": "Видача персональних даних",
        },
        AuditAction.PERSONAL_DATA_ERASE: {
            "en": "Personal data erased",
            "pl": "Usunięcie danych osobowych",
            "uk": "Видалення персональних даних",
        },
    },
    Channel: {
        Channel.APP: {"en": "Mobile app", "pl": "Aplikacja mobilna", "uk": "Мобільний застосунок"},
        Channel.WEB: {"en": "Website", "pl": "Strona internetowa", "uk": "Вебсайт"},
        Channel.OPEN311: {
            "en": "Open311 (partner system)",
            "pl": "Open311 (system partnera)",
            "uk": "Open311 (система партнера)",
        },
        Channel.PHONE: {"en": "Phone", "pl": "Telefon", "uk": "Телефон"},
        Channel.COUNTER: {"en": "In person at the counter", "pl": "Osobiście w urzędzie", "uk": "Особисто в установі"},
        Channel.EMAIL: {"en": "E-mail", "pl": "Poczta e-mail", "uk": "Електронна пошта"},
        Channel.STAFF: {"en": "Entered by staff", "pl": "Wprowadzone przez urzędnika", "uk": "Внесено працівником"},
        Channel.IMPORT: {"en": "Imported history", "pl": "Import z innego systemu", "uk": "Імпорт з іншої системи"},
    },
    BroadcastStatus: {
        BroadcastStatus.SCHEDULED: {"en": "Scheduled", "pl": "Zaplanowany", "uk": "Заплановано"},
        BroadcastStatus.SENDING: {"en": "Sending", "pl": "W trakcie wysyłki", "uk": "Надсилається"},
        BroadcastStatus.SENT: {"en": "Sent", "pl": "Wysłany", "uk": "Надіслано"},
        BroadcastStatus.CANCELLED: {"en": "Cancelled", "pl": "Anulowany", "uk": "Скасовано"},
        BroadcastStatus.EXPIRED: {"en": "Expired", "pl": "Wygasły", "uk": "Термін дії минув"},
    },
    Audience: {
        Audience.JURISDICTION: {"en": "Everyone in the municipality", "pl": "Wszyscy w gminie", "uk": "Усі в громаді"},
        Audience.AREAS: {"en": "Areas", "pl": "Obszary", "uk": "Райони"},
        Audience.POLYGON: {
            "en": "A polygon drawn on the map",
            "pl": "Wielokąt narysowany na mapie",
            "uk": "Багатокутник, намальований на мапі",
        },
        Audience.RADIUS: {"en": "Around a point", "pl": "Wokół punktu", "uk": "Навколо точки"},
    },
}


def _vocabulary(value: str, vocabulary: type[StrEnum] | str | None) -> type[StrEnum] | None:
    if isinstance(vocabulary, str):
        return VOCABULARIES.get(vocabulary)
    if vocabulary is not None:
        return vocabulary
    if isinstance(value, StrEnum) and type(value) in LABELS:
        return type(value)
    return next((v for v in VOCABULARIES.values() if value in LABELS[v]), None)


def label(value: str | None, lang: str | None = None, vocabulary: type[StrEnum] | str | None = None) -> str:
    """The words for a code in a language (English when the language has none); an unknown code as it is.

    A member (`ReportStatus.CLOSED`) knows its vocabulary; a plain code is looked up in `vocabulary` (a class or
    its name in `VOCABULARIES`) or else in every vocabulary in the order of `VOCABULARIES`."""
    if value is None:
        return ""
    found = _vocabulary(value, vocabulary)
    words = LABELS[found].get(value) if found is not None else None
    if not words:
        return str(value)
    return words.get(normalise(lang) or DEFAULT_LANGUAGE) or words[DEFAULT_LANGUAGE]


def choices(enum_cls: type[StrEnum], lang: str | None = None) -> list[tuple[str, str]]:
    """(code, label) for every member, in the vocabulary's order: the options of a form's select."""
    return [(member.value, label(member.value, lang, enum_cls)) for member in enum_cls]
