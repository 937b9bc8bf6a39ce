"""Demonstration content: organisations, users, cycles, needs, responses and support links."""

from portal.demo.records import DemoCycle, DemoLink, DemoNeed, DemoResponse, DemoTenant, DemoUser

TENANTS: tuple[DemoTenant, ...] = (
    DemoTenant("IISG-SEC", "IISG Secretariat (Regional Cooperation Council)", "secretariat"),
    DemoTenant("AL-MOI", "Ministry of Interior of Albania", "partner", economy="AL"),
    DemoTenant("BA-MOS", "Ministry of Security of Bosnia and Herzegovina", "partner", economy="BA"),
    DemoTenant("XK-MIA", "Ministry of Internal Affairs of Kosovo*", "partner", economy="XK"),
    DemoTenant("ME-MOI", "Ministry of Interior of Montenegro", "partner", economy="ME"),
    DemoTenant("MK-MOI", "Ministry of Interior of North Macedonia", "partner", economy="MK"),
    DemoTenant("RS-MOI", "Ministry of Interior of Serbia", "partner", economy="RS"),
    DemoTenant("EC-NEAR", "European Commission – DG NEAR", "member"),
    DemoTenant("AT-BMI", "Austria – Federal Ministry of the Interior", "member"),
    DemoTenant("SI-MNZ", "Slovenia – Ministry of the Interior", "member"),
    DemoTenant("IT-MI", "Italy – Ministry of the Interior", "member"),
    DemoTenant("FR-MI", "France – Ministry of the Interior", "member"),
    DemoTenant("DE-BMI", "Germany – Federal Ministry of the Interior and Community", "member"),
    DemoTenant("NL-MJV", "Netherlands – Ministry of Justice and Security", "member"),
    DemoTenant("CH-FDFA", "Switzerland – Federal Department of Foreign Affairs", "member"),
    DemoTenant("UK-HO", "United Kingdom – Home Office", "member"),
    DemoTenant("OSCE", "Organization for Security and Co-operation in Europe", "member"),
    DemoTenant("UNODC", "United Nations Office on Drugs and Crime", "member"),
    DemoTenant("IOM", "International Organization for Migration", "member"),
    DemoTenant("FRONTEX", "European Border and Coast Guard Agency", "member"),
    DemoTenant("CEPOL", "EU Agency for Law Enforcement Training", "member"),
)

USERS: tuple[DemoUser, ...] = (
    DemoUser("admin@sec.iisg.example", "Lejla Hadžiahmetović", "IISG-SEC", ("admin", "viewer")),
    DemoUser("editor@sec.iisg.example", "Nikola Đurović", "IISG-SEC", ("editor",)),
    DemoUser("validator@sec.iisg.example", "Besnik Gashi", "IISG-SEC", ("editor",)),
    DemoUser("auditor@sec.iisg.example", "Elira Shehu", "IISG-SEC", ("auditor",)),
    DemoUser("viewer@sec.iisg.example", "Ana Kovačević", "IISG-SEC", ("viewer",)),
    DemoUser("editor@al-moi.iisg.example", "Erion Dervishi", "AL-MOI", ("editor",)),
    DemoUser("admin@al-moi.iisg.example", "Mirela Kola", "AL-MOI", ("tenant_admin", "viewer")),
    DemoUser("viewer@al-moi.iisg.example", "Klodiana Leka", "AL-MOI", ("viewer",)),
    DemoUser("auditor@al-moi.iisg.example", "Gentian Brahimi", "AL-MOI", ("auditor",)),
    DemoUser("editor@ba-mos.iisg.example", "Amra Begović", "BA-MOS", ("editor",)),
    DemoUser("admin@ba-mos.iisg.example", "Goran Vuković", "BA-MOS", ("tenant_admin", "viewer")),
    DemoUser("editor@xk-mia.iisg.example", "Blerta Morina", "XK-MIA", ("editor",)),
    DemoUser("admin@xk-mia.iisg.example", "Driton Berisha", "XK-MIA", ("tenant_admin", "viewer")),
    DemoUser("editor@me-moi.iisg.example", "Jelena Vujović", "ME-MOI", ("editor",)),
    DemoUser("admin@me-moi.iisg.example", "Milan Radulović", "ME-MOI", ("tenant_admin", "viewer")),
    DemoUser("editor@mk-moi.iisg.example", "Elena Stojanovska", "MK-MOI", ("editor",)),
    DemoUser("admin@mk-moi.iisg.example", "Dejan Trajkovski", "MK-MOI", ("tenant_admin", "viewer")),
    DemoUser("viewer@mk-moi.iisg.example", "Arta Ademi", "MK-MOI", ("viewer",)),
    DemoUser("auditor@mk-moi.iisg.example", "Vesna Nikolovska", "MK-MOI", ("auditor",)),
    DemoUser("editor@rs-moi.iisg.example", "Ivana Jovanović", "RS-MOI", ("editor",)),
    DemoUser("admin@rs-moi.iisg.example", "Stefan Marković", "RS-MOI", ("tenant_admin", "viewer")),
    DemoUser("editor@ec-near.iisg.example", "Katarzyna Nowak", "EC-NEAR", ("editor",)),
    DemoUser(
        "admin@ec-near.iisg.example",
        "Pieter Janssens",
        "EC-NEAR",
        ("tenant_admin", "viewer"),
    ),
    DemoUser("auditor@ec-near.iisg.example", "Sofia Lindqvist", "EC-NEAR", ("auditor",)),
    DemoUser("editor@at-bmi.iisg.example", "Florian Gruber", "AT-BMI", ("editor",)),
    DemoUser("editor@osce.iisg.example", "Aidan Murphy", "OSCE", ("editor",)),
    DemoUser("editor@unodc.iisg.example", "Marta Fernández", "UNODC", ("editor",)),
    DemoUser("editor@iom.iisg.example", "Nadia Haddad", "IOM", ("editor",)),
    DemoUser("editor@frontex.iisg.example", "Andrzej Wiśniewski", "FRONTEX", ("editor",)),
    DemoUser("editor@cepol.iisg.example", "Réka Szabó", "CEPOL", ("editor",)),
)

CYCLES: tuple[DemoCycle, ...] = (
    DemoCycle(
        "2021-2022",
        "2021-09-01",
        "2022-06-30",
        "adopted",
        submission_deadline="2022-03-31",
        board_meeting="6th IISG Board Meeting, Sarajevo",
        adopted_on="2022-06-20",
    ),
    DemoCycle("2026-2027", "2026-10-01", "2027-03-31", "open", submission_deadline="2027-01-29"),
)

NEEDS: tuple[DemoNeed, ...] = (
    DemoNeed(
        key="AL-21-CT-01",
        cycle="2021-2022",
        partner="AL-MOI",
        pillar="WBCTi",
        category="legislative",
        perspective="prevention",
        priority="high",
        status="adopted",
        title="Alignment of the Criminal Code with Directive (EU) 2017/541 on combating terrorism",
        description=(
            "The Criminal Code criminalises participation in armed conflicts abroad, but travel "
            "for the purpose of terrorism, receiving training for terrorism and the financing of "
            "all terrorist offences are not yet covered as required by Directive (EU) 2017/541. "
            "The Ministry of Interior, together with the Ministry of Justice, needs expert "
            "support to draft the amendments and the explanatory report. Prosecutors and judges "
            "should be consulted on the draft before it is sent to Parliament."
        ),
        acquis=(24, 23),
        source=(
            "Bilateral arrangement under the Joint Action Plan on Counter-Terrorism for the "
            "Western Balkans (2019)"
        ),
    ),
    DemoNeed(
        key="AL-21-SC-02",
        cycle="2021-2022",
        partner="AL-MOI",
        pillar="WBCSCi",
        category="institutional",
        perspective="response",
        priority="high",
        status="adopted",
        title="Strengthening the capacity of the Asset Recovery Office",
        description=(
            "The Asset Recovery Office within the State Police has four staff and no direct "
            "electronic access to the real estate, vehicle and business registers. Tracing "
            "requests from EU Member States take on average more than two months to answer. The "
            "Office needs additional financial analysts, training in tracing virtual assets and "
            "secure access to national registers."
        ),
        acquis=(24,),
        source=(
            "Cross-cutting Strategy against Organised Crime, Illicit Trafficking and Terrorism "
            "2021-2025"
        ),
    ),
    DemoNeed(
        key="AL-21-BS-03",
        cycle="2021-2022",
        partner="AL-MOI",
        pillar="WBBSi",
        category="operational",
        perspective="prevention",
        priority="medium",
        status="adopted",
        title="Mobile surveillance capacity for the southern and eastern green border",
        description=(
            "Border and Migration Police units on the green border with Greece and North "
            "Macedonia rely on foot patrols and a small number of handheld thermal cameras. "
            "Irregular crossings and smuggling of goods are concentrated in mountainous sections "
            "that are not covered by fixed surveillance. Four vehicle-mounted thermal "
            "surveillance systems and training for their operators are needed."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2021-2027",
    ),
    DemoNeed(
        key="AL-21-SC-04",
        cycle="2021-2022",
        partner="AL-MOI",
        pillar="WBCSCi",
        category="operational",
        perspective="prevention",
        priority="medium",
        status="adopted",
        title="Container screening capacity in the ports of Durrës and Vlora",
        description=(
            "Cocaine shipments concealed in fruit containers arriving from South America transit "
            "through the ports of Durrës and Vlora. The joint port control unit of the State "
            "Police and Customs lacks a container scanner in Vlora and access to advance cargo "
            "information for risk profiling. The need covers scanning equipment, profiling "
            "training and a permanent inter-agency team in each port."
        ),
        acquis=(24, 29),
        source="EU Drugs Strategy 2021-2025",
    ),
    DemoNeed(
        key="AL-26-CT-01",
        cycle="2026-2027",
        partner="AL-MOI",
        pillar="WBCTi",
        category="legislative",
        perspective="prevention",
        priority="high",
        status="validated",
        title="Completing alignment of terrorism offences with Directive (EU) 2017/541",
        description=(
            "Amendments to the Criminal Code prepared in the previous cycle introduced the "
            "offences of travelling for terrorism and receiving training for terrorism. "
            "Provisions on the financing of all offences listed in the Directive and on "
            "assistance to victims of terrorism remain to be aligned. Expert review of the draft "
            "law and a correlation table are needed before its adoption by the Council of "
            "Ministers."
        ),
        acquis=(24, 23),
        source="Commission Report 2025, chapter 24",
        previous="AL-21-CT-01",
    ),
    DemoNeed(
        key="AL-26-CT-02",
        cycle="2026-2027",
        partner="AL-MOI",
        pillar="WBCTi",
        category="institutional",
        perspective="response",
        priority="medium",
        status="submitted",
        title=(
            "Case management for the rehabilitation and reintegration of returnees from Syria "
            "and Iraq"
        ),
        description=(
            "Women and children repatriated from camps in north-east Syria are followed by the "
            "Coordination Centre for Countering Violent Extremism, social services, schools and "
            "the State Police without a shared case management protocol. Information on each "
            "family is held separately by each institution, and follow-up weakens after the "
            "first year. A multi-agency protocol, a secure case management tool that complies "
            "with data protection rules and training of local coordinators are needed."
        ),
        acquis=(23, 24),
        source="National Strategy for Countering Violent Extremism and Terrorism 2021-2025",
    ),
    DemoNeed(
        key="AL-26-CT-03",
        cycle="2026-2027",
        partner="AL-MOI",
        pillar="WBCTi",
        category="operational",
        perspective="prevention",
        priority="low",
        status="withdrawn",
        title="Monitoring of online radicalisation and referral of terrorist content",
        description=(
            "The State Police has no dedicated team to identify online terrorist content in "
            "Albanian and to refer it to hosting service providers. The need was to set up a "
            "small referral team and train it on Regulation (EU) 2021/784. It was withdrawn "
            "because the task was assigned to the new cybercrime directorate financed from the "
            "state budget."
        ),
        acquis=(24, 10),
        source="Albanian State Police Strategic Plan 2025-2027",
    ),
    DemoNeed(
        key="AL-26-SC-04",
        cycle="2026-2027",
        partner="AL-MOI",
        pillar="WBCSCi",
        category="institutional",
        perspective="response",
        priority="high",
        status="validated",
        title="Asset Recovery Office: case management system and direct access to registers",
        description=(
            "The Asset Recovery Office has grown to nine staff, but requests are still tracked "
            "in spreadsheets and register checks are made by letter. The MONEYVAL follow-up "
            "report recommends faster identification and tracing of criminal assets, including "
            "virtual assets. A case management system, direct read access to national registers "
            "and training on cryptocurrency tracing are required."
        ),
        acquis=(24, 23),
        source="MONEYVAL 5th round mutual evaluation, follow-up report",
        previous="AL-21-SC-02",
    ),
    DemoNeed(
        key="AL-26-SC-05",
        cycle="2026-2027",
        partner="AL-MOI",
        pillar="WBCSCi",
        category="operational",
        perspective="response",
        priority="high",
        status="validated",
        title=(
            "Joint investigation teams with EU Member States against cocaine trafficking networks"
        ),
        description=(
            "Albanian-speaking criminal groups organise cocaine shipments from South America to "
            "EU ports and distribution in several Member States. The State Police has taken part "
            "in joint investigation teams, but lacks funding for travel, interpretation and "
            "secure communication in long investigations. Support is needed to join at least "
            "three new joint investigation teams with Europol support during the cycle."
        ),
        acquis=(24,),
        source="EU Policy Cycle EMPACT 2026-2029 priorities",
    ),
    DemoNeed(
        key="AL-26-SC-06",
        cycle="2026-2027",
        partner="AL-MOI",
        pillar="WBCSCi",
        category="legislative",
        perspective="prevention",
        priority="medium",
        status="returned",
        title=(
            "Alignment of the Law on Weapons with Directive (EU) 2021/555 and deactivation "
            "standards"
        ),
        description=(
            "The Law on Weapons does not yet transpose the categories, marking and "
            "record-keeping rules of Directive (EU) 2021/555. Deactivated firearms are not "
            "checked against the common EU deactivation standards of Implementing Regulation "
            "(EU) 2015/2403. The Ministry requests legislative advice and a workshop for the "
            "State Police firearms unit on deactivation."
        ),
        acquis=(24,),
        source="EU Action Plan on Firearms Trafficking 2020-2025",
        return_comment=(
            "Please split this request in two: amending the Law on Weapons is a legislative "
            "need, while the deactivation workshop for the firearms unit is operational. For the "
            "legislative part, name the articles to be amended and the planned date of adoption "
            "by the Council of Ministers, so that members can match the legislative advice they "
            "offer."
        ),
    ),
    DemoNeed(
        key="AL-26-BS-07",
        cycle="2026-2027",
        partner="AL-MOI",
        pillar="WBBSi",
        category="institutional",
        perspective="prevention",
        priority="medium",
        status="validated",
        title="National Coordination Centre for border surveillance interoperable with EUROSUR",
        description=(
            "Surveillance data from the green border, the coast and the lakes of Ohrid and "
            "Prespa are held by separate regional directorates. A National Coordination Centre "
            "within the Border and Migration Police would produce a single situational picture "
            "and exchange it with Frontex in the format used by EUROSUR. Rules of procedure, "
            "staff training and a connection to the Frontex liaison network are needed."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2021-2027",
        previous="AL-21-BS-03",
    ),
    DemoNeed(
        key="AL-26-BS-08",
        cycle="2026-2027",
        partner="AL-MOI",
        pillar="WBBSi",
        category="legislative",
        perspective="response",
        priority="low",
        status="submitted",
        title="Amendments to the Law on State Border Control on readmission and return procedures",
        description=(
            "Procedures for returning third-country nationals apprehended at the border under "
            "readmission agreements are partly regulated by by-laws only. Deadlines, legal "
            "remedies and safeguards for vulnerable persons should be set in law, in line with "
            "the Return Directive 2008/115/EC. Legislative advice and a comparison with the "
            "practice of two Member States are requested."
        ),
        acquis=(24, 23),
        source="Integrated Border Management Strategy 2021-2027",
    ),
    DemoNeed(
        key="BA-21-CT-01",
        cycle="2021-2022",
        partner="BA-MOS",
        pillar="WBCTi",
        category="institutional",
        perspective="response",
        priority="high",
        status="adopted",
        title=(
            "Rehabilitation and reintegration of returned foreign terrorist fighters and their "
            "families"
        ),
        description=(
            "Bosnia and Herzegovina has repatriated men, women and children from Syria and Iraq, "
            "and competences for their rehabilitation are shared between state, entity, cantonal "
            "and Brčko District institutions. There is no common referral mechanism linking "
            "prosecutors, prison services, centres for social work and schools. The Ministry of "
            "Security needs support to agree a referral mechanism and to train multi-agency "
            "teams in the municipalities concerned."
        ),
        acquis=(24, 23),
        source="Strategy for Preventing and Combating Terrorism 2015-2020",
    ),
    DemoNeed(
        key="BA-21-SC-02",
        cycle="2021-2022",
        partner="BA-MOS",
        pillar="WBCSCi",
        category="legislative",
        perspective="prevention",
        priority="medium",
        status="adopted",
        title="Harmonised criminal procedure rules on financial investigations",
        description=(
            "Rules on financial investigations and confiscation of proceeds of crime differ "
            "between the criminal procedure codes of the state, the entities and Brčko District. "
            "This leads to uneven results in parallel financial investigations and complicates "
            "cooperation between prosecutors. Legislative advice is needed to prepare harmonised "
            "provisions, including on extended confiscation."
        ),
        acquis=(24, 23),
        source="MONEYVAL 5th round mutual evaluation",
    ),
    DemoNeed(
        key="BA-21-BS-03",
        cycle="2021-2022",
        partner="BA-MOS",
        pillar="WBBSi",
        category="operational",
        perspective="response",
        priority="high",
        status="adopted",
        title="Surveillance of the eastern green and river border along the Drina",
        description=(
            "The Border Police of Bosnia and Herzegovina controls a long green and river border "
            "with Serbia and Montenegro, where migrant smuggling increased in 2020 and 2021. "
            "Units lack night-vision equipment, boats suited to the Drina and vehicles for rapid "
            "deployment. The need covers equipment and training for the units in the Zvornik, "
            "Bijeljina and Višegrad areas."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2019-2023",
    ),
    DemoNeed(
        key="BA-21-BS-04",
        cycle="2021-2022",
        partner="BA-MOS",
        pillar="WBBSi",
        category="legislative",
        perspective="response",
        priority="medium",
        status="adopted",
        title="Alignment of the Law on Aliens with the Return Directive",
        description=(
            "The Law on Aliens provides for the return of irregularly staying third-country "
            "nationals, but voluntary departure, entry bans and safeguards during removal are "
            "not fully aligned with Directive 2008/115/EC. The Service for Foreigners' Affairs "
            "applies different practices in its field centres. Legislative advice and guidance "
            "for field officers are needed."
        ),
        acquis=(24, 23),
        source="Strategy in the Area of Migration and Asylum 2021-2025",
    ),
    DemoNeed(
        key="BA-26-CT-01",
        cycle="2026-2027",
        partner="BA-MOS",
        pillar="WBCTi",
        category="institutional",
        perspective="response",
        priority="high",
        status="validated",
        title="Local referral mechanisms for the rehabilitation and reintegration of returnees",
        description=(
            "The referral mechanism agreed in the previous cycle works in the pilot "
            "municipalities but depends on project staff. Centres for social work and local "
            "police need a permanent legal basis, budget lines and training to continue case "
            "management. The need also covers the follow-up of persons released after serving "
            "sentences for terrorism offences."
        ),
        acquis=(24, 23),
        source="Strategy for Preventing and Countering Terrorism 2021-2026",
        previous="BA-21-CT-01",
    ),
    DemoNeed(
        key="BA-26-CT-02",
        cycle="2026-2027",
        partner="BA-MOS",
        pillar="WBCTi",
        category="legislative",
        perspective="prevention",
        priority="medium",
        status="submitted",
        title="Procedure for removal orders of terrorist content online",
        description=(
            "The Criminal Code of Bosnia and Herzegovina criminalises public incitement to "
            "terrorist activities, but there is no procedure for ordering the removal of "
            "terrorist content hosted online. Aligning with Regulation (EU) 2021/784 requires "
            "designating a competent authority and defining deadlines and safeguards. "
            "Legislative advice and an exchange with the competent authority of a Member State "
            "are requested."
        ),
        acquis=(24, 10),
        source="Commission Report 2025, chapter 24",
    ),
    DemoNeed(
        key="BA-26-SC-03",
        cycle="2026-2027",
        partner="BA-MOS",
        pillar="WBCSCi",
        category="institutional",
        perspective="response",
        priority="high",
        status="validated",
        title=(
            "Asset Recovery Office as single contact point with the entity asset management "
            "agencies"
        ),
        description=(
            "Seized and confiscated assets are managed by separate agencies at state and entity "
            "level, and asset tracing requests from abroad are not always routed through one "
            "contact point. The Ministry of Security needs support to formalise the role of the "
            "Asset Recovery Office as the single contact point and to agree data exchange "
            "protocols with the entity agencies. Training on asset management and valuation is "
            "also needed."
        ),
        acquis=(24, 23),
        source="Commission Report 2025, chapter 24",
    ),
    DemoNeed(
        key="BA-26-SC-04",
        cycle="2026-2027",
        partner="BA-MOS",
        pillar="WBCSCi",
        category="legislative",
        perspective="prevention",
        priority="medium",
        status="validated",
        title=(
            "Harmonised rules on financial investigations and extended confiscation at all levels"
        ),
        description=(
            "Amendments prepared in the previous cycle were adopted at state level but not yet "
            "in the entities and Brčko District. Different rules on extended confiscation "
            "continue to limit parallel financial investigations. Legislative advice and "
            "coordination meetings between the ministries of justice are needed to complete "
            "harmonisation."
        ),
        acquis=(24, 23),
        source="MONEYVAL 5th round mutual evaluation, follow-up report",
        previous="BA-21-SC-02",
    ),
    DemoNeed(
        key="BA-26-SC-05",
        cycle="2026-2027",
        partner="BA-MOS",
        pillar="WBCSCi",
        category="operational",
        perspective="response",
        priority="medium",
        status="returned",
        title="Cybercrime investigation capacity and digital forensics laboratory in SIPA",
        description=(
            "The State Investigation and Protection Agency has a small cybercrime unit and "
            "relies on entity police laboratories for most forensic examinations. Examinations "
            "of seized phones and servers take several months, which delays organised crime "
            "cases. A forensic laboratory with accredited procedures and trained examiners is "
            "requested."
        ),
        acquis=(24, 10),
        source="Commission Report 2025, chapter 24",
        return_comment=(
            "Please specify which institution will own and accredit the laboratory and how "
            "entity and Brčko District police will have access to it. Refer to the Budapest "
            "Convention and the handling of electronic evidence rather than to cyber security in "
            "general, and give the current backlog in number of devices."
        ),
    ),
    DemoNeed(
        key="BA-26-BS-06",
        cycle="2026-2027",
        partner="BA-MOS",
        pillar="WBBSi",
        category="operational",
        perspective="response",
        priority="high",
        status="validated",
        title="Mobile border surveillance equipment for the eastern border",
        description=(
            "Equipment provided in the previous cycle covers about half of the eastern border "
            "sections with high migrant smuggling activity. The Border Police needs six further "
            "vehicle-mounted thermal cameras, two boats for the Drina and maintenance contracts. "
            "Operators also need refresher training and a common procedure for sharing images "
            "with the regional operational centres."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2024-2028",
        previous="BA-21-BS-03",
    ),
    DemoNeed(
        key="BA-26-BS-07",
        cycle="2026-2027",
        partner="BA-MOS",
        pillar="WBBSi",
        category="institutional",
        perspective="prevention",
        priority="medium",
        status="submitted",
        title="Risk analysis unit of the Border Police applying CIRAM",
        description=(
            "Risk analysis in the Border Police is carried out by a few officers at headquarters "
            "and is not systematically fed by data from the field offices and the Service for "
            "Foreigners' Affairs. A dedicated unit applying the Common Integrated Risk Analysis "
            "Model (CIRAM) would support deployment decisions. The need covers staffing, "
            "training and access to the products of the Western Balkans Risk Analysis Network."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2024-2028",
    ),
    DemoNeed(
        key="BA-26-CT-08",
        cycle="2026-2027",
        partner="BA-MOS",
        pillar="WBCTi",
        category="operational",
        perspective="prevention",
        priority="low",
        status="draft",
        title="Protection of soft targets and places of worship",
        description=(
            "Police agencies at different levels have no common method for assessing the "
            "vulnerability of public spaces, places of worship and large events. The Ministry of "
            "Security plans a common risk assessment template and joint exercises with entity "
            "and Brčko District police. The draft will be completed after consultation with the "
            "Directorate for Coordination of Police Bodies."
        ),
        acquis=(24,),
        source="Strategy for Preventing and Countering Terrorism 2021-2026",
    ),
    DemoNeed(
        key="XK-21-CT-01",
        cycle="2021-2022",
        partner="XK-MIA",
        pillar="WBCTi",
        category="institutional",
        perspective="response",
        priority="high",
        status="adopted",
        title=(
            "Staffing and case management of the Division for Prevention and Reintegration of "
            "Radicalised Persons"
        ),
        description=(
            "Kosovo* repatriated a large group of its residents, mostly women and children, from "
            "Syria in 2019. The Division for Prevention and Reintegration of Radicalised Persons "
            "within the Ministry of Internal Affairs coordinates their reintegration with "
            "municipalities, but has few staff and no case management tool. Additional "
            "psychologists and social workers, a secure case management system and training of "
            "municipal coordinators are needed."
        ),
        acquis=(24, 23),
        source=(
            "Strategy on Prevention of Violent Extremism and Radicalisation Leading to Terrorism "
            "2015-2020"
        ),
    ),
    DemoNeed(
        key="XK-21-SC-02",
        cycle="2021-2022",
        partner="XK-MIA",
        pillar="WBCSCi",
        category="operational",
        perspective="prevention",
        priority="medium",
        status="adopted",
        title="Intelligence-led policing and criminal analysis capacity of the Kosovo Police",
        description=(
            "Criminal analysis in the Kosovo Police is concentrated at headquarters, and "
            "regional directorates produce few analytical products. The police needs common "
            "analysis software, trained analysts in each region and a standard threat assessment "
            "methodology for serious and organised crime. This would allow resources to be "
            "targeted at priority criminal groups."
        ),
        acquis=(24,),
        source="Strategy and Action Plan against Organised Crime 2018-2022",
    ),
    DemoNeed(
        key="XK-21-BS-03",
        cycle="2021-2022",
        partner="XK-MIA",
        pillar="WBBSi",
        category="operational",
        perspective="prevention",
        priority="medium",
        status="adopted",
        title=(
            "Document fraud detection at border crossing points and Pristina International Airport"
        ),
        description=(
            "First-line officers at border crossing points have basic document readers only, and "
            "there is no second-line examination capacity at several land crossings. Fraudulent "
            "travel documents are detected mainly at Pristina International Airport. The need "
            "covers document examination equipment, second-line examination desks at the main "
            "land crossings and training of trainers."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy and Action Plan 2019-2023",
    ),
    DemoNeed(
        key="XK-21-SC-04",
        cycle="2021-2022",
        partner="XK-MIA",
        pillar="WBCSCi",
        category="legislative",
        perspective="response",
        priority="high",
        status="adopted",
        title="Legal framework for witness protection and cooperating witnesses",
        description=(
            "The Law on Witness Protection does not regulate relocation abroad or the status of "
            "cooperating witnesses in organised crime cases in sufficient detail. Prosecutors "
            "report that witnesses withdraw statements because protection measures start too "
            "late. Legislative advice is needed to amend the law and to adopt implementing rules "
            "for the witness protection unit."
        ),
        acquis=(23, 24),
        source="Commission Report 2021, chapters 23 and 24",
    ),
    DemoNeed(
        key="XK-26-CT-01",
        cycle="2026-2027",
        partner="XK-MIA",
        pillar="WBCTi",
        category="institutional",
        perspective="response",
        priority="high",
        status="validated",
        title="Long-term reintegration of returnees and an exit programme for released offenders",
        description=(
            "Most children repatriated in 2019 now attend school, but follow-up of adults "
            "released from prison and of families who moved between municipalities is "
            "inconsistent. The Division for Prevention and Reintegration of Radicalised Persons "
            "needs an exit programme for released offenders and agreed standards for local "
            "referral mechanisms. Training for municipal coordinators and probation officers is "
            "also requested."
        ),
        acquis=(24, 23),
        source=(
            "Strategy on Prevention of Violent Extremism and Radicalisation Leading to Terrorism "
            "2022-2026"
        ),
        previous="XK-21-CT-01",
    ),
    DemoNeed(
        key="XK-26-CT-02",
        cycle="2026-2027",
        partner="XK-MIA",
        pillar="WBCTi",
        category="operational",
        perspective="response",
        priority="medium",
        status="submitted",
        title=(
            "Radicalisation risk assessment and disengagement programmes in correctional facilities"
        ),
        description=(
            "Persons convicted of terrorism offences and inmates at risk of radicalisation are "
            "held in several correctional facilities without a common risk assessment tool. The "
            "Ministry of Internal Affairs and the Ministry of Justice want to introduce a "
            "validated assessment tool and individual disengagement plans. Training of "
            "correctional officers and psychologists is needed."
        ),
        acquis=(24, 23),
        source=(
            "Strategy on Prevention of Violent Extremism and Radicalisation Leading to Terrorism "
            "2022-2026"
        ),
    ),
    DemoNeed(
        key="XK-26-SC-03",
        cycle="2026-2027",
        partner="XK-MIA",
        pillar="WBCSCi",
        category="operational",
        perspective="response",
        priority="high",
        status="validated",
        title="International police information exchange in organised crime investigations",
        description=(
            "Kosovo* is not a member of INTERPOL or Europol, so international information "
            "exchange relies on liaison officers, existing arrangements and bilateral police "
            "cooperation agreements. Requests in cross-border organised crime investigations "
            "therefore take longer than for other partners in the region. Support is needed for "
            "secure communication channels, standard operating procedures with partner police "
            "services and additional liaison officer postings."
        ),
        acquis=(24,),
        source="Commission Report 2025, chapter 24",
    ),
    DemoNeed(
        key="XK-26-SC-04",
        cycle="2026-2027",
        partner="XK-MIA",
        pillar="WBCSCi",
        category="legislative",
        perspective="response",
        priority="medium",
        status="validated",
        title="Witness protection: implementing rules and a dedicated budget line",
        description=(
            "The amended Law on Witness Protection allows relocation and regulates cooperating "
            "witnesses, but implementing rules and a dedicated budget line for the witness "
            "protection unit are missing. Without them, protection measures depend on ad hoc "
            "decisions. Legislative advice and an exchange with witness protection units in "
            "Member States are requested."
        ),
        acquis=(23, 24),
        source="Commission Report 2025, chapter 23",
        previous="XK-21-SC-04",
    ),
    DemoNeed(
        key="XK-26-SC-05",
        cycle="2026-2027",
        partner="XK-MIA",
        pillar="WBCSCi",
        category="institutional",
        perspective="prevention",
        priority="medium",
        status="returned",
        title=(
            "Cooperation between the Financial Intelligence Unit and the Kosovo Police on money "
            "laundering"
        ),
        description=(
            "The Financial Intelligence Unit disseminates a growing number of cases, but few of "
            "them lead to money laundering investigations. The Ministry requests trainings, "
            "study visits and a joint working group."
        ),
        acquis=(24,),
        source="AML/CFT assessment under the Council of Europe PECK III project",
        return_comment=(
            "The need is written as a list of activities. Please describe the gap itself, for "
            "example that there is no secure channel for police requests to the Financial "
            "Intelligence Unit or that no joint typologies exist, and indicate which "
            "recommendation of the latest AML/CFT assessment it addresses."
        ),
    ),
    DemoNeed(
        key="XK-26-BS-06",
        cycle="2026-2027",
        partner="XK-MIA",
        pillar="WBBSi",
        category="operational",
        perspective="prevention",
        priority="medium",
        status="validated",
        title=(
            "Second-line document examination at Pristina International Airport and main land "
            "crossings"
        ),
        description=(
            "Document examination equipment delivered in the previous cycle is used at the "
            "airport and four land crossings. A second-line examination desk is still missing at "
            "two high-traffic crossings, and the reference database of genuine documents is "
            "outdated. Equipment, access to an updated reference database and training of "
            "second-line examiners are needed."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2024-2028",
        previous="XK-21-BS-03",
    ),
    DemoNeed(
        key="XK-26-BS-07",
        cycle="2026-2027",
        partner="XK-MIA",
        pillar="WBBSi",
        category="legislative",
        perspective="prevention",
        priority="low",
        status="draft",
        title=(
            "Law on State Border Management and Control: alignment with the Schengen Borders Code"
        ),
        description=(
            "The Law on State Border Management and Control predates several changes to the "
            "Schengen Borders Code, including systematic checks on all travellers at external "
            "borders. A gap analysis and a draft amendment are planned, and the need will be "
            "completed once the gap analysis is available."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2024-2028",
    ),
    DemoNeed(
        key="XK-26-CT-08",
        cycle="2026-2027",
        partner="XK-MIA",
        pillar="WBCTi",
        category="legislative",
        perspective="response",
        priority="low",
        status="draft",
        title="Rules on electronic evidence from online service providers in terrorism cases",
        description=(
            "Investigators cannot easily obtain subscriber and content data held by online "
            "service providers established abroad. Draft rules would define who may issue "
            "preservation and production requests and which safeguards apply. The text is being "
            "prepared with the Kosovo Police cybercrime unit and prosecutors."
        ),
        acquis=(24, 10),
        source="Concept Document on Electronic Evidence (draft)",
    ),
    DemoNeed(
        key="ME-21-SC-01",
        cycle="2021-2022",
        partner="ME-MOI",
        pillar="WBCSCi",
        category="operational",
        perspective="response",
        priority="high",
        status="adopted",
        title="Joint port control unit in the Port of Bar against cocaine trafficking",
        description=(
            "Several large cocaine seizures linked to criminal groups active in Montenegro were "
            "made in EU ports in containers that had transited through Bar. The Police "
            "Directorate and the Customs Administration need a joint port control unit with "
            "access to advance cargo data. Scanning equipment and training in container "
            "profiling are also needed."
        ),
        acquis=(24, 29),
        source="Commission Report 2021, chapter 24",
    ),
    DemoNeed(
        key="ME-21-SC-02",
        cycle="2021-2022",
        partner="ME-MOI",
        pillar="WBCSCi",
        category="institutional",
        perspective="response",
        priority="medium",
        status="adopted",
        title="Capacity of the Asset Recovery Office within the Police Directorate",
        description=(
            "The Asset Recovery Office was established in the Police Directorate but is not "
            "fully staffed and has limited access to financial data. Its cooperation with the "
            "Special State Prosecutor's Office in financial investigations needs to be "
            "formalised. The need covers staffing, training and a memorandum of cooperation."
        ),
        acquis=(24, 23),
        source="Action Plan for Chapter 24",
    ),
    DemoNeed(
        key="ME-21-CT-03",
        cycle="2021-2022",
        partner="ME-MOI",
        pillar="WBCTi",
        category="legislative",
        perspective="prevention",
        priority="medium",
        status="adopted",
        title="Implementation of targeted financial sanctions related to terrorism",
        description=(
            "The Law on Prevention of Money Laundering and Terrorist Financing does not set a "
            "clear procedure for implementing UN targeted financial sanctions without delay. "
            "Reporting entities are unsure how to freeze assets and report to the authorities. "
            "Legislative advice and guidance for reporting entities are needed."
        ),
        acquis=(24, 31),
        source="MONEYVAL 5th round mutual evaluation",
    ),
    DemoNeed(
        key="ME-21-BS-04",
        cycle="2021-2022",
        partner="ME-MOI",
        pillar="WBBSi",
        category="legislative",
        perspective="prevention",
        priority="medium",
        status="adopted",
        title=(
            "Legal framework for maritime border surveillance and inter-agency cooperation at sea"
        ),
        description=(
            "Surveillance of the territorial sea is shared between the Border Police, the Navy "
            "and the Maritime Safety Department without clear rules on data sharing. Legal "
            "provisions are needed to define responsibilities and the exchange of surveillance "
            "data. The need also covers a cooperation agreement between the institutions "
            "concerned."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2020-2024",
    ),
    DemoNeed(
        key="ME-26-SC-01",
        cycle="2026-2027",
        partner="ME-MOI",
        pillar="WBCSCi",
        category="operational",
        perspective="prevention",
        priority="high",
        status="validated",
        title="Risk-based container targeting in the Port of Bar",
        description=(
            "The joint port control unit set up in the previous cycle now works around the "
            "clock, but container targeting still relies on manual checks of manifests. "
            "Integrating advance cargo information into a risk profiling tool would allow the "
            "unit to select high-risk containers before arrival. The need covers software, "
            "training and the exchange of risk profiles with port control units in EU ports."
        ),
        acquis=(24, 29),
        source="Commission Report 2025, chapter 24",
        previous="ME-21-SC-01",
    ),
    DemoNeed(
        key="ME-26-SC-02",
        cycle="2026-2027",
        partner="ME-MOI",
        pillar="WBCSCi",
        category="institutional",
        perspective="prevention",
        priority="high",
        status="validated",
        title="Standard procedures for parallel financial investigations",
        description=(
            "Financial investigations are still started late in organised crime cases, which "
            "limits the assets that can be seized. The Police Directorate and the Special State "
            "Prosecutor's Office want common procedures to open a financial investigation "
            "together with every organised crime investigation. Training for investigators and "
            "direct access to bank account data are needed."
        ),
        acquis=(24, 23),
        source="Action Plan for Chapter 24 (revised)",
        previous="ME-21-SC-02",
    ),
    DemoNeed(
        key="ME-26-SC-03",
        cycle="2026-2027",
        partner="ME-MOI",
        pillar="WBCSCi",
        category="legislative",
        perspective="response",
        priority="medium",
        status="submitted",
        title="Admissibility of electronic evidence obtained through international cooperation",
        description=(
            "Courts have reached different conclusions on the use of electronic evidence "
            "obtained from other states in organised crime trials. Clear rules in the Criminal "
            "Procedure Code on the transfer, authentication and use of such evidence would "
            "reduce the risk of acquittals on procedural grounds. Legislative advice and a "
            "comparative analysis of Member State practice are requested."
        ),
        acquis=(23, 24),
        source="Commission Report 2025, chapter 23",
    ),
    DemoNeed(
        key="ME-26-CT-04",
        cycle="2026-2027",
        partner="ME-MOI",
        pillar="WBCTi",
        category="institutional",
        perspective="prevention",
        priority="medium",
        status="validated",
        title="Local safety councils for preventing violent extremism",
        description=(
            "Only some municipalities have local safety councils that address violent extremism, "
            "and their work depends on individual officials. The Ministry of Interior wants "
            "every municipality to have a council with a trained coordinator and a local "
            "prevention plan. Guidance, training and small grants for local prevention "
            "activities are needed."
        ),
        acquis=(24,),
        source="Strategy for Countering Violent Extremism 2020-2024",
    ),
    DemoNeed(
        key="ME-26-CT-05",
        cycle="2026-2027",
        partner="ME-MOI",
        pillar="WBCTi",
        category="operational",
        perspective="response",
        priority="low",
        status="withdrawn",
        title="Protected vehicles for the Special Anti-Terrorist Unit",
        description=(
            "The Special Anti-Terrorist Unit requested two protected vehicles for intervention "
            "in terrorist incidents. The need was withdrawn after the procurement was included "
            "in the state budget for 2027."
        ),
        acquis=(24,),
        source="Police Directorate Development Plan 2026-2028",
    ),
    DemoNeed(
        key="ME-26-BS-06",
        cycle="2026-2027",
        partner="ME-MOI",
        pillar="WBBSi",
        category="operational",
        perspective="prevention",
        priority="medium",
        status="validated",
        title="Maritime surveillance and a common situational picture for the coast",
        description=(
            "Following the adoption of rules on inter-agency cooperation at sea, the Border "
            "Police and the Navy need a common maritime situational picture. Coastal radar data "
            "and patrol positions should be shared in real time and in a format compatible with "
            "EUROSUR. The need covers software integration, two coastal cameras and operator "
            "training."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2025-2029",
        previous="ME-21-BS-04",
    ),
    DemoNeed(
        key="ME-26-BS-07",
        cycle="2026-2027",
        partner="ME-MOI",
        pillar="WBBSi",
        category="institutional",
        perspective="response",
        priority="medium",
        status="returned",
        title="Cooperation between the Border Police and Customs at border crossing points",
        description=(
            "Border Police and Customs officers at border crossing points do not share risk "
            "information and carry out separate controls on the same vehicles. A joint "
            "operational structure at the main crossings is requested."
        ),
        acquis=(24, 29),
        source="Integrated Border Management Strategy 2025-2029",
        return_comment=(
            "Please explain why the existing memorandum of understanding between the Police "
            "Directorate and the Customs Administration is not sufficient, name the border "
            "crossing points concerned and state whether you need a new joint structure or "
            "equipment and joint teams within the current structures."
        ),
    ),
    DemoNeed(
        key="ME-26-BS-08",
        cycle="2026-2027",
        partner="ME-MOI",
        pillar="WBBSi",
        category="institutional",
        perspective="response",
        priority="low",
        status="draft",
        title="Joint mobile teams for incident response on the green border",
        description=(
            "Incidents on the green border with Albania and Bosnia and Herzegovina are handled "
            "by whichever unit is closest, without agreed procedures. The Ministry is drafting a "
            "proposal for joint mobile teams of the Border Police and regional police units "
            "under a common command."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2025-2029",
    ),
    DemoNeed(
        key="MK-21-CT-01",
        cycle="2021-2022",
        partner="MK-MOI",
        pillar="WBCTi",
        category="institutional",
        perspective="prevention",
        priority="high",
        status="adopted",
        title="Community action teams for preventing violent extremism in municipalities",
        description=(
            "The National Committee for Countering Violent Extremism and Countering Terrorism "
            "has piloted community action teams in a few municipalities. The teams bring "
            "together local police, social services, schools and religious communities but have "
            "no budget or standard procedures. Support is needed to extend them to eight "
            "municipalities and to train their members."
        ),
        acquis=(24,),
        source="National Strategy for Countering Violent Extremism 2018-2022",
    ),
    DemoNeed(
        key="MK-21-SC-02",
        cycle="2021-2022",
        partner="MK-MOI",
        pillar="WBCSCi",
        category="institutional",
        perspective="response",
        priority="high",
        status="adopted",
        title="Passenger Information Unit for the processing of PNR data",
        description=(
            "North Macedonia has committed to establish a Passenger Information Unit to process "
            "passenger name record data for the prevention and investigation of terrorism and "
            "serious crime. The legal basis, premises and staff of the unit have not yet been "
            "defined. Support is needed to draft the legal basis, design the unit and train its "
            "first analysts."
        ),
        acquis=(24,),
        source=(
            "Bilateral arrangement under the Joint Action Plan on Counter-Terrorism for the "
            "Western Balkans (2019)"
        ),
    ),
    DemoNeed(
        key="MK-21-BS-03",
        cycle="2021-2022",
        partner="MK-MOI",
        pillar="WBBSi",
        category="institutional",
        perspective="response",
        priority="medium",
        status="adopted",
        title="National Coordination Centre for integrated border management",
        description=(
            "Border surveillance information from the Border Police, Customs and the Army is not "
            "brought together in one place. A National Coordination Centre would coordinate "
            "responses to incidents on the border and exchange information with neighbouring "
            "services and Frontex. The need covers the legal act establishing the centre, "
            "premises, equipment and training."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2021-2025",
    ),
    DemoNeed(
        key="MK-21-CT-04",
        cycle="2021-2022",
        partner="MK-MOI",
        pillar="WBCTi",
        category="legislative",
        perspective="response",
        priority="medium",
        status="adopted",
        title=(
            "Criminal Code provisions on foreign terrorist fighters aligned with Directive (EU) "
            "2017/541"
        ),
        description=(
            "The Criminal Code criminalises participation in foreign armies and paramilitary "
            "formations, but the offences of travelling for terrorism, providing and receiving "
            "training and terrorist financing need to be aligned with Directive (EU) 2017/541. "
            "The Ministry of Justice leads the drafting with the Ministry of Interior. "
            "Legislative advice and a correlation table are needed."
        ),
        acquis=(24, 23),
        source="National Counter-Terrorism Strategy 2018-2022",
    ),
    DemoNeed(
        key="MK-26-SC-01",
        cycle="2026-2027",
        partner="MK-MOI",
        pillar="WBCSCi",
        category="institutional",
        perspective="response",
        priority="high",
        status="validated",
        title="Operational Passenger Information Unit with data protection safeguards",
        description=(
            "The law establishing the Passenger Information Unit has been adopted, and the unit "
            "receives data from some air carriers. It now needs connections with all carriers "
            "operating at Skopje and Ohrid airports, analysts trained in targeting, and "
            "safeguards in line with Directive (EU) 2016/680 and the PNR Directive (EU) "
            "2016/681. An independent audit of data protection compliance is also requested."
        ),
        acquis=(24, 23),
        source="Commission Report 2025, chapter 24",
        previous="MK-21-SC-02",
    ),
    DemoNeed(
        key="MK-26-CT-02",
        cycle="2026-2027",
        partner="MK-MOI",
        pillar="WBCTi",
        category="institutional",
        perspective="prevention",
        priority="medium",
        status="validated",
        title="Sustainable funding of community action teams in eight municipalities",
        description=(
            "Community action teams now work in eight municipalities, but their activities are "
            "funded by donor projects that end in 2027. Municipalities need guidance to include "
            "the teams in their budgets and a simple monitoring framework. Refresher training "
            "for new members is also needed."
        ),
        acquis=(24,),
        source="National Strategy for Countering Violent Extremism 2023-2027",
        previous="MK-21-CT-01",
    ),
    DemoNeed(
        key="MK-26-CT-03",
        cycle="2026-2027",
        partner="MK-MOI",
        pillar="WBCTi",
        category="operational",
        perspective="response",
        priority="high",
        status="submitted",
        title="Rehabilitation of returnees and convicted offenders in prison and probation",
        description=(
            "Persons convicted of terrorism offences after returning from Syria are being "
            "released, and the probation service has no specific programme for them. Prison "
            "staff need training on risk assessment and disengagement, and the probation service "
            "needs individual release plans coordinated with the police. The need covers "
            "training, a risk assessment tool and two specialised probation officers."
        ),
        acquis=(24, 23),
        source="National Counter-Terrorism Strategy 2023-2027",
    ),
    DemoNeed(
        key="MK-26-SC-04",
        cycle="2026-2027",
        partner="MK-MOI",
        pillar="WBCSCi",
        category="legislative",
        perspective="prevention",
        priority="medium",
        status="validated",
        title="Amendments to the Law on Witness Protection on collaborators of justice",
        description=(
            "The Law on Witness Protection covers witnesses in organised crime cases but does "
            "not regulate the protection of collaborators of justice and their relatives in "
            "enough detail. Prosecutors report that this discourages insiders of criminal groups "
            "from cooperating. Legislative advice and an exchange with witness protection units "
            "in Member States are requested."
        ),
        acquis=(23, 24),
        source="Commission Report 2025, chapter 23",
    ),
    DemoNeed(
        key="MK-26-SC-05",
        cycle="2026-2027",
        partner="MK-MOI",
        pillar="WBCSCi",
        category="operational",
        perspective="response",
        priority="high",
        status="validated",
        title="Cybercrime investigations and the handling of electronic evidence",
        description=(
            "The Cybercrime and Digital Forensics Sector receives more requests than it can "
            "handle, and preservation requests to foreign service providers are often sent too "
            "late. Investigators need training on the Second Additional Protocol to the Budapest "
            "Convention and on cryptocurrency tracing. Forensic software licences and two mobile "
            "forensic kits are also needed."
        ),
        acquis=(24, 10),
        source="Commission Report 2025, chapter 24",
    ),
    DemoNeed(
        key="MK-26-BS-06",
        cycle="2026-2027",
        partner="MK-MOI",
        pillar="WBBSi",
        category="operational",
        perspective="prevention",
        priority="medium",
        status="returned",
        title="Mobile surveillance units for the northern border",
        description=(
            "The Border Police requests four vehicle-mounted thermal cameras for the border with "
            "Serbia, where the smuggling of migrants is increasing. The units would be deployed "
            "according to weekly risk analysis."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2026-2030",
        return_comment=(
            "An ongoing donor action already supplies mobile surveillance equipment for this "
            "border section. Please state the remaining gap (number of units and border sections "
            "not covered) and attach the latest risk analysis that supports the request."
        ),
    ),
    DemoNeed(
        key="MK-26-BS-07",
        cycle="2026-2027",
        partner="MK-MOI",
        pillar="WBBSi",
        category="legislative",
        perspective="prevention",
        priority="low",
        status="draft",
        title="Law on Border Surveillance: alignment with the Schengen Borders Code",
        description=(
            "The Law on Border Surveillance needs to reflect recent changes to the Schengen "
            "Borders Code and the use of the Entry/Exit System by neighbouring Member States. A "
            "gap analysis is being prepared by the legal unit of the Border Police."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2026-2030",
    ),
    DemoNeed(
        key="MK-26-BS-08",
        cycle="2026-2027",
        partner="MK-MOI",
        pillar="WBBSi",
        category="legislative",
        perspective="response",
        priority="medium",
        status="draft",
        title="Agreement with Serbia on joint border controls and a police contact centre",
        description=(
            "A draft agreement with Serbia would allow joint controls at the Tabanovce and "
            "Preševo crossings and a permanent joint police contact centre. The Ministry needs "
            "advice on data protection and liability provisions before negotiations resume."
        ),
        acquis=(24, 23),
        source="Integrated Border Management Strategy 2026-2030",
    ),
    DemoNeed(
        key="RS-21-CT-01",
        cycle="2021-2022",
        partner="RS-MOI",
        pillar="WBCTi",
        category="institutional",
        perspective="prevention",
        priority="medium",
        status="adopted",
        title="Coordination of preventing and countering violent extremism at local level",
        description=(
            "The national counter-terrorism strategy assigns prevention tasks to many "
            "institutions, but no body coordinates local prevention work. Municipal safety "
            "councils rarely address radicalisation. Support is needed to set up a coordination "
            "mechanism and to pilot local action plans in five municipalities."
        ),
        acquis=(24,),
        source="National Strategy for the Prevention and Countering of Terrorism 2017-2021",
    ),
    DemoNeed(
        key="RS-21-SC-02",
        cycle="2021-2022",
        partner="RS-MOI",
        pillar="WBCSCi",
        category="operational",
        perspective="response",
        priority="high",
        status="adopted",
        title="Financial investigation capacity of the Service for Combating Organised Crime",
        description=(
            "Financial investigations in organised crime cases are carried out by a small team "
            "that is also responsible for money laundering cases. Parallel financial "
            "investigations are opened in a minority of cases, as noted in the MONEYVAL mutual "
            "evaluation. Additional financial investigators, training and analysis software are "
            "needed."
        ),
        acquis=(24,),
        source="MONEYVAL 5th round mutual evaluation",
    ),
    DemoNeed(
        key="RS-21-SC-03",
        cycle="2021-2022",
        partner="RS-MOI",
        pillar="WBCSCi",
        category="legislative",
        perspective="prevention",
        priority="high",
        status="adopted",
        title="Alignment of the Law on Weapons and Ammunition with Directive (EU) 2021/555",
        description=(
            "The Law on Weapons and Ammunition needs to be aligned with the categories, marking "
            "and record-keeping rules of Directive (EU) 2021/555. Rules on deactivation and on "
            "alarm and signal weapons also need to be updated. Legislative advice and a "
            "correlation table are requested."
        ),
        acquis=(24, 31),
        source="EU Action Plan on Firearms Trafficking 2020-2025",
    ),
    DemoNeed(
        key="RS-21-BS-04",
        cycle="2021-2022",
        partner="RS-MOI",
        pillar="WBBSi",
        category="operational",
        perspective="response",
        priority="high",
        status="adopted",
        title="Mobile units to detect migrant smuggling on the southern and eastern border",
        description=(
            "Migrant smuggling networks move groups from the borders with North Macedonia and "
            "Bulgaria towards the border with Hungary. The Border Police Administration needs "
            "mobile units with vehicles, thermal cameras and heartbeat detectors to intercept "
            "smuggling along this route. Training on interviewing smuggled migrants and "
            "identifying victims of trafficking is also needed."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2022-2027",
    ),
    DemoNeed(
        key="RS-26-SC-01",
        cycle="2026-2027",
        partner="RS-MOI",
        pillar="WBCSCi",
        category="operational",
        perspective="response",
        priority="high",
        status="validated",
        title="Parallel financial investigations in all organised crime cases",
        description=(
            "The number of financial investigators has increased, but parallel financial "
            "investigations are still not opened systematically. The Service for Combating "
            "Organised Crime needs a procedure agreed with the Prosecutor's Office for Organised "
            "Crime, training on tracing virtual assets and direct access to financial registers. "
            "This need follows the MONEYVAL follow-up report."
        ),
        acquis=(24, 23),
        source="MONEYVAL 5th round mutual evaluation, follow-up report",
        previous="RS-21-SC-02",
    ),
    DemoNeed(
        key="RS-26-SC-02",
        cycle="2026-2027",
        partner="RS-MOI",
        pillar="WBCSCi",
        category="legislative",
        perspective="prevention",
        priority="medium",
        status="validated",
        title="Deactivation and marking by-laws under the amended Law on Weapons and Ammunition",
        description=(
            "The amended Law on Weapons and Ammunition refers to EU deactivation and marking "
            "standards, but the by-laws that implement them have not been adopted. Verification "
            "of deactivated firearms is not yet carried out by a designated authority. Advice on "
            "the by-laws and training of verification staff are needed."
        ),
        acquis=(24, 31),
        source="EU Action Plan on Firearms Trafficking 2020-2025",
        previous="RS-21-SC-03",
    ),
    DemoNeed(
        key="RS-26-SC-03",
        cycle="2026-2027",
        partner="RS-MOI",
        pillar="WBCSCi",
        category="institutional",
        perspective="prevention",
        priority="medium",
        status="submitted",
        title="National contact point for joint investigation teams",
        description=(
            "Serbia has taken part in several joint investigation teams, but requests are "
            "prepared case by case and experience is not kept. A national contact point in the "
            "Ministry of Interior, working with the Prosecutor's Office for Organised Crime, "
            "would prepare agreements and advise investigators. Training and model documents are "
            "needed."
        ),
        acquis=(23, 24),
        source="Commission Report 2025, chapter 24",
    ),
    DemoNeed(
        key="RS-26-CT-04",
        cycle="2026-2027",
        partner="RS-MOI",
        pillar="WBCTi",
        category="operational",
        perspective="prevention",
        priority="medium",
        status="validated",
        title="Referral of online terrorist content and cooperation with service providers",
        description=(
            "Terrorist and violent extremist content in Serbian is hosted on platforms that do "
            "not always respond to police requests. The Ministry of Interior needs a referral "
            "capacity with trained analysts and working contacts with major service providers. "
            "An exchange with the EU Internet Referral Unit at Europol is requested."
        ),
        acquis=(24, 10),
        source="National Strategy for the Prevention and Countering of Terrorism 2025-2029",
    ),
    DemoNeed(
        key="RS-26-CT-05",
        cycle="2026-2027",
        partner="RS-MOI",
        pillar="WBCTi",
        category="institutional",
        perspective="response",
        priority="low",
        status="returned",
        title="Exit programme for persons convicted of terrorism offences after release",
        description=(
            "Several persons convicted of terrorism offences will be released during the cycle. "
            "The Ministry requests support to design an exit programme for them."
        ),
        acquis=(24, 23),
        source="National Strategy for the Prevention and Countering of Terrorism 2025-2029",
        return_comment=(
            "Please describe the current roles of the Administration for the Enforcement of "
            "Criminal Sanctions and the centres for social work, estimate how many persons will "
            "be released during the cycle and state whether rules exist for sharing case "
            "information between these institutions and the police."
        ),
    ),
    DemoNeed(
        key="RS-26-BS-06",
        cycle="2026-2027",
        partner="RS-MOI",
        pillar="WBBSi",
        category="operational",
        perspective="response",
        priority="high",
        status="validated",
        title="Mobile surveillance and detection of migrant smuggling on the southern border",
        description=(
            "Mobile units set up in the previous cycle operate on the borders with Hungary and "
            "Bulgaria, while smuggling has shifted towards the border with North Macedonia. The "
            "Border Police Administration needs three further mobile units with vehicles and "
            "thermal cameras for this section. Joint patrols with neighbouring services should "
            "use the same equipment standards."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2022-2027",
        previous="RS-21-BS-04",
    ),
    DemoNeed(
        key="RS-26-BS-07",
        cycle="2026-2027",
        partner="RS-MOI",
        pillar="WBBSi",
        category="institutional",
        perspective="prevention",
        priority="medium",
        status="submitted",
        title="Risk analysis unit linked to the Western Balkans Risk Analysis Network",
        description=(
            "The Border Police Administration produces monthly risk analysis but does not yet "
            "apply CIRAM consistently across its regional centres. A dedicated unit would "
            "standardise analysis, feed the Western Balkans Risk Analysis Network and support "
            "the deployment of mobile units. Training and analysis software are needed."
        ),
        acquis=(24,),
        source="Integrated Border Management Strategy 2022-2027",
    ),
    DemoNeed(
        key="RS-26-CT-08",
        cycle="2026-2027",
        partner="RS-MOI",
        pillar="WBCTi",
        category="legislative",
        perspective="response",
        priority="low",
        status="withdrawn",
        title="Amendments to the Law on Critical Infrastructure on terrorist threats",
        description=(
            "The Ministry proposed amending the Law on Critical Infrastructure to define "
            "procedures when a terrorist threat affects critical infrastructure. The need was "
            "withdrawn because the amendments are covered by another government programme on the "
            "resilience of critical entities."
        ),
        acquis=(24,),
        source="National Strategy for the Prevention and Countering of Terrorism 2025-2029",
    ),
)

RESPONSES: tuple[DemoResponse, ...] = (
    DemoResponse(
        key="R-01",
        owner="EC-NEAR",
        title="Western Balkans Regional Counter-Terrorism Facility",
        description=(
            "Regional action supporting the implementation of the Joint Action Plan on "
            "Counter-Terrorism for the Western Balkans. It provides expert advice on "
            "legislation, multi-agency coordination and the prevention of radicalisation, with "
            "national components in each partner."
        ),
        pillars=("WBCTi",),
        donors=("EC-NEAR",),
        implementers=("Civipol", "Hedayah"),
        beneficiaries=("AL", "BA", "XK", "ME", "MK", "RS", "REG"),
        support_type="technical_assistance",
        instrument="IPA III",
        starts_on="2023-03-01",
        ends_on="2027-02-28",
        budget_amount="6500000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
        external_reference="XI-IATI-EC_NEAR-2022/438-512",
    ),
    DemoResponse(
        key="R-02",
        owner="EC-NEAR",
        title="Regional Action against Serious and Organised Crime 2019-2023",
        description=(
            "Multi-country action that strengthened criminal intelligence, financial "
            "investigations and asset recovery in the six partners. Member State police experts "
            "were seconded to the ministries and police services and organised joint operational "
            "meetings."
        ),
        pillars=("WBCSCi",),
        donors=("EC-NEAR",),
        implementers=("GIZ", "IT-MI", "AT-BMI"),
        beneficiaries=("AL", "BA", "XK", "ME", "MK", "RS", "REG"),
        support_type="technical_assistance",
        instrument="IPA II",
        starts_on="2019-09-01",
        ends_on="2023-08-31",
        budget_amount="8000000.00",
        budget_currency="EUR",
        implementation_status="completed",
        record_status="published",
        visibility="members",
        external_reference="XI-IATI-EC_NEAR-2019/409-117",
    ),
    DemoResponse(
        key="R-03",
        owner="EC-NEAR",
        title="EU Support to Border and Migration Management in the Western Balkans",
        description=(
            "Regional action supporting integrated border management, identification and "
            "registration of migrants, and return procedures. It finances equipment, training "
            "and advice on alignment with the EU acquis on borders and return."
        ),
        pillars=("WBBSi",),
        donors=("EC-NEAR",),
        implementers=("IOM", "ICMPD", "UNHCR"),
        beneficiaries=("AL", "BA", "XK", "ME", "MK", "RS", "REG"),
        support_type="technical_assistance",
        instrument="IPA III",
        starts_on="2024-01-15",
        ends_on="2027-12-31",
        budget_amount="12000000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
        external_reference="XI-IATI-EC_NEAR-2023/441-123",
    ),
    DemoResponse(
        key="R-04",
        owner="EC-NEAR",
        title="Twinning: Strengthening the Asset Recovery Office of Montenegro",
        description=(
            "Twinning project that helped the Police Directorate staff the Asset Recovery "
            "Office, introduce tracing procedures and formalise cooperation with the Special "
            "State Prosecutor's Office. A resident twinning adviser worked in Podgorica for two "
            "years."
        ),
        pillars=("WBCSCi",),
        donors=("EC-NEAR",),
        implementers=("IT-MI",),
        beneficiaries=("ME",),
        support_type="twinning",
        instrument="IPA II",
        starts_on="2021-02-01",
        ends_on="2023-01-31",
        budget_amount="1200000.00",
        budget_currency="EUR",
        implementation_status="completed",
        record_status="published",
        visibility="members",
        external_reference="ME 19 IPA JH 02 20",
    ),
    DemoResponse(
        key="R-05",
        owner="EC-NEAR",
        title="Twinning: Passenger Information Unit of North Macedonia",
        description=(
            "Twinning project to make the Passenger Information Unit fully operational, "
            "including connections with air carriers, targeting rules and data protection "
            "safeguards. It is implemented by a consortium of two Member State interior "
            "ministries."
        ),
        pillars=("WBCSCi", "WBCTi"),
        donors=("EC-NEAR",),
        implementers=("AT-BMI", "SI-MNZ"),
        beneficiaries=("MK",),
        support_type="twinning",
        instrument="IPA III",
        starts_on="2025-09-01",
        ends_on="2027-08-31",
        budget_amount="1500000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
        external_reference="MK 23 IPA JH 01 24",
    ),
    DemoResponse(
        key="R-06",
        owner="EC-NEAR",
        title="Support to the Kosovo Police in Cybercrime and Digital Forensics",
        description=(
            "Technical assistance to the cybercrime unit of the Kosovo Police on the handling of "
            "electronic evidence, forensic procedures and cooperation with service providers. "
            "The action also supplies forensic software and trains prosecutors."
        ),
        pillars=("WBCSCi",),
        donors=("EC-NEAR",),
        implementers=("Council of Europe",),
        beneficiaries=("XK",),
        support_type="technical_assistance",
        instrument="IPA III",
        starts_on="2024-06-01",
        ends_on="2027-05-31",
        budget_amount="2800000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-07",
        owner="EC-NEAR",
        title="Regional Action on Firearms Trafficking Control",
        description=(
            "Regional action supporting the Western Balkans SALW Control Roadmap. It funds "
            "legislative alignment on firearms, marking and deactivation, firearms focal points "
            "and cross-border operations against arms trafficking."
        ),
        pillars=("WBCSCi", "WBBSi"),
        donors=("EC-NEAR",),
        implementers=("UNDP SEESAC",),
        beneficiaries=("AL", "BA", "XK", "ME", "MK", "RS", "REG"),
        support_type="technical_assistance",
        instrument="IPA III",
        starts_on="2022-01-01",
        ends_on="2026-12-31",
        budget_amount="5000000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
        external_reference="XI-IATI-EC_NEAR-2021/425-088",
    ),
    DemoResponse(
        key="R-08",
        owner="EC-NEAR",
        title="Western Balkans E-Evidence and Digital Investigations Action",
        description=(
            "Planned regional action on electronic evidence, online service provider cooperation "
            "and digital forensics in serious crime and terrorism cases. The action document is "
            "being prepared for the 2027 programme."
        ),
        pillars=("WBCSCi", "WBCTi"),
        donors=("EC-NEAR",),
        implementers=("Council of Europe",),
        beneficiaries=("REG",),
        support_type="technical_assistance",
        instrument="IPA III",
        starts_on="2027-04-01",
        ends_on="2030-03-31",
        budget_amount="7000000.00",
        budget_currency="EUR",
        implementation_status="planned",
        record_status="draft",
        visibility="members",
    ),
    DemoResponse(
        key="R-09",
        owner="EC-NEAR",
        title="Mobile Surveillance Equipment for the Border Police of Bosnia and Herzegovina",
        description=(
            "Supply of vehicle-mounted thermal cameras, night-vision equipment and patrol boats "
            "to the Border Police for the eastern border. Operators and maintenance staff are "
            "trained by the supplier and ICMPD."
        ),
        pillars=("WBBSi",),
        donors=("EC-NEAR",),
        implementers=("ICMPD",),
        beneficiaries=("BA",),
        support_type="equipment",
        instrument="IPA III",
        starts_on="2025-03-01",
        ends_on="2027-02-28",
        budget_amount="3400000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="restricted",
    ),
    DemoResponse(
        key="R-10",
        owner="EC-NEAR",
        title="EU Support to Rehabilitation and Reintegration of Returnees, Phase II",
        description=(
            "Support to multi-agency referral mechanisms for returnees from conflict zones and "
            "their families, including case management tools, training of social workers and "
            "small grants to municipalities. The action builds on the first phase implemented in "
            "2020-2023."
        ),
        pillars=("WBCTi",),
        donors=("EC-NEAR",),
        implementers=("IOM", "UNICEF"),
        beneficiaries=("AL", "BA", "XK", "MK"),
        support_type="technical_assistance",
        instrument="IPA III",
        starts_on="2026-01-01",
        ends_on="2028-12-31",
        budget_amount="4200000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
        external_reference="XI-IATI-EC_NEAR-2025/452-031",
    ),
    DemoResponse(
        key="R-11",
        owner="AT-BMI",
        title="Western Balkans Component of the Joint Operational Office against Migrant Smuggling",
        description=(
            "Operational support to cross-border investigations into migrant smuggling networks "
            "active on the Western Balkans route. Austrian investigators work with partner "
            "police services and Europol on joint cases, information exchange and financial "
            "leads."
        ),
        pillars=("WBCSCi", "WBBSi"),
        donors=("AT-BMI",),
        implementers=("AT-BMI", "Europol"),
        beneficiaries=("AL", "BA", "XK", "MK", "RS"),
        support_type="other",
        instrument="Bilateral",
        starts_on="2024-04-01",
        ends_on="2027-03-31",
        budget_amount="950000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="restricted",
    ),
    DemoResponse(
        key="R-12",
        owner="AT-BMI",
        title="Border Management Training for Western Balkan Border Police",
        description=(
            "Training programme on border surveillance, first-line checks and the use of thermal "
            "equipment for border police officers of the six partners. Courses took place at the "
            "Austrian police training centres and in the region."
        ),
        pillars=("WBBSi",),
        donors=("AT-BMI",),
        implementers=("AT-BMI",),
        beneficiaries=("AL", "BA", "XK", "ME", "MK", "RS"),
        support_type="training",
        instrument="Bilateral",
        starts_on="2021-03-01",
        ends_on="2023-12-15",
        budget_amount="620000.00",
        budget_currency="EUR",
        implementation_status="completed",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-13",
        owner="AT-BMI",
        title="Document Fraud Expertise Network Western Balkans",
        description=(
            "Regional network of document experts that trains first- and second-line officers "
            "and shares alerts on new forgery techniques. It also provides access to a reference "
            "database of genuine documents."
        ),
        pillars=("WBBSi",),
        donors=("AT-BMI", "European Commission – DG HOME"),
        implementers=("AT-BMI",),
        beneficiaries=("REG",),
        support_type="training",
        instrument="Internal Security Fund",
        starts_on="2025-03-01",
        ends_on="2027-02-28",
        budget_amount="780000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-14",
        owner="AT-BMI",
        title="Prison Radicalisation Peer Exchange Austria–Western Balkans",
        description=(
            "Peer exchange between Austrian prison and probation services and their counterparts "
            "on managing violent extremist offenders. It covered risk assessment tools, "
            "disengagement work and release planning."
        ),
        pillars=("WBCTi",),
        donors=("AT-BMI",),
        implementers=("AT-BMI", "Austrian Federal Ministry of Justice"),
        beneficiaries=("BA", "XK", "MK"),
        support_type="training",
        instrument="Bilateral",
        starts_on="2022-05-01",
        ends_on="2024-04-30",
        budget_amount="310000.00",
        budget_currency="EUR",
        implementation_status="completed",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-15",
        owner="SI-MNZ",
        title="Automated DNA, Fingerprint and Vehicle Data Exchange under the PCC SEE",
        description=(
            "Support to the Police Cooperation Convention for Southeast Europe parties for the "
            "automated exchange of DNA, fingerprint and vehicle registration data. It covers "
            "national contact points, software and data protection audits."
        ),
        pillars=("WBCSCi",),
        donors=("EC-NEAR", "AT-BMI"),
        implementers=("PCC SEE Secretariat", "SI-MNZ"),
        beneficiaries=("AL", "BA", "ME", "MK", "RS"),
        support_type="technical_assistance",
        instrument="IPA III",
        starts_on="2023-01-01",
        ends_on="2026-12-31",
        budget_amount="3100000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-16",
        owner="SI-MNZ",
        title="Brdo Process Regional Training on Cybercrime and E-Evidence",
        description=(
            "Regional courses for investigators and prosecutors on cybercrime investigations and "
            "requests to foreign service providers, organised under the Brdo Process."
        ),
        pillars=("WBCSCi",),
        donors=("SI-MNZ",),
        implementers=("SI-MNZ",),
        beneficiaries=("REG",),
        support_type="training",
        instrument="Bilateral",
        starts_on="2025-05-01",
        ends_on="2026-10-31",
        budget_amount="240000.00",
        budget_currency="EUR",
        implementation_status="completed",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-17",
        owner="SI-MNZ",
        title="Support to Witness Protection Units in North Macedonia and Kosovo*",
        description=(
            "Exchange of experience and mentoring for witness protection units on risk "
            "assessment, relocation and the protection of collaborators of justice. Slovenian "
            "police experts visit the units and host study visits."
        ),
        pillars=("WBCSCi",),
        donors=("SI-MNZ",),
        implementers=("SI-MNZ",),
        beneficiaries=("MK", "XK"),
        support_type="technical_assistance",
        instrument="Bilateral",
        starts_on="2025-01-15",
        ends_on="2027-01-14",
        budget_amount="180000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="restricted",
    ),
    DemoResponse(
        key="R-18",
        owner="IT-MI",
        title="Adriatic Ports Anti-Drug Cooperation Initiative",
        description=(
            "Cooperation between Italian anti-drug services and port control units in Albania "
            "and Montenegro on container profiling, controlled deliveries and exchange of risk "
            "indicators."
        ),
        pillars=("WBCSCi",),
        donors=("IT-MI",),
        implementers=("IT-MI", "Central Directorate for Anti-Drug Services"),
        beneficiaries=("AL", "ME"),
        support_type="technical_assistance",
        instrument="Bilateral",
        starts_on="2023-06-01",
        ends_on="2027-05-31",
        budget_amount="1600000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-19",
        owner="IT-MI",
        title="Regional Course on Anti-Mafia Investigations and Asset Confiscation",
        description=(
            "Series of courses for investigators and prosecutors on investigating mafia-type "
            "organisations, financial investigations and the confiscation and social reuse of "
            "criminal assets."
        ),
        pillars=("WBCSCi",),
        donors=("IT-MI",),
        implementers=("IT-MI",),
        beneficiaries=("AL", "BA", "XK", "ME", "MK", "RS"),
        support_type="training",
        instrument="Bilateral",
        starts_on="2021-10-01",
        ends_on="2022-12-31",
        budget_amount="350000.00",
        budget_currency="EUR",
        implementation_status="completed",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-20",
        owner="IT-MI",
        title="Maritime Border Surveillance Cooperation with Albania",
        description=(
            "Supply of coastal surveillance cameras and patrol boat equipment to the Albanian "
            "Border and Migration Police, with joint patrols and training in the Strait of "
            "Otranto."
        ),
        pillars=("WBBSi",),
        donors=("IT-MI",),
        implementers=("IT-MI", "Guardia di Finanza"),
        beneficiaries=("AL",),
        support_type="equipment",
        instrument="Bilateral",
        starts_on="2024-02-01",
        ends_on="2026-12-31",
        budget_amount="2100000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="restricted",
    ),
    DemoResponse(
        key="R-21",
        owner="IT-MI",
        title="Italian–Serbian Police Training on Intelligence-Led Policing",
        description=(
            "Planned training cycle on criminal analysis and intelligence-led policing for the "
            "Criminal Police Directorate. It was cancelled because a regional programme covered "
            "the same topics."
        ),
        pillars=("WBCSCi",),
        donors=("IT-MI",),
        implementers=("IT-MI",),
        beneficiaries=("RS",),
        support_type="training",
        instrument="Bilateral",
        starts_on="2024-03-01",
        ends_on="2025-02-28",
        budget_amount="150000.00",
        budget_currency="EUR",
        implementation_status="cancelled",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-22",
        owner="FR-MI",
        title="Regional Network of Counter-Terrorism Investigators and Prosecutors",
        description=(
            "Regional network bringing together counter-terrorism investigators and prosecutors "
            "for joint training, case studies and contacts with French specialised services."
        ),
        pillars=("WBCTi",),
        donors=("FR-MI",),
        implementers=("FR-MI", "Civipol"),
        beneficiaries=("REG",),
        support_type="training",
        instrument="Bilateral",
        starts_on="2022-09-01",
        ends_on="2026-06-30",
        budget_amount="900000.00",
        budget_currency="EUR",
        implementation_status="completed",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-23",
        owner="FR-MI",
        title="Support to the Albanian State Police against Cocaine Trafficking",
        description=(
            "Mentoring of Albanian investigators in complex drug trafficking cases, support to "
            "joint investigation teams with French services and training on secure "
            "communications."
        ),
        pillars=("WBCSCi",),
        donors=("FR-MI",),
        implementers=("FR-MI",),
        beneficiaries=("AL",),
        support_type="technical_assistance",
        instrument="Bilateral",
        starts_on="2025-01-01",
        ends_on="2027-12-31",
        budget_amount="700000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-24",
        owner="FR-MI",
        title="Forensic Ballistics and Firearms Tracing Cooperation",
        description=(
            "Planned cooperation with forensic institutes on ballistic comparison and tracing of "
            "firearms used in crimes. The project document is being finalised."
        ),
        pillars=("WBCSCi",),
        donors=("FR-MI",),
        implementers=("FR-MI",),
        beneficiaries=("RS", "BA", "ME"),
        support_type="technical_assistance",
        instrument="Bilateral",
        starts_on="2027-02-01",
        ends_on="2028-12-31",
        budget_amount="450000.00",
        budget_currency="EUR",
        implementation_status="planned",
        record_status="draft",
        visibility="members",
    ),
    DemoResponse(
        key="R-25",
        owner="DE-BMI",
        title="Regional Programme on Police Cooperation against Organised Crime",
        description=(
            "Regional programme that strengthens cross-border police cooperation, criminal "
            "analysis and financial investigations. It supports joint operational meetings and "
            "the development of common analysis standards."
        ),
        pillars=("WBCSCi",),
        donors=("DE-BMI",),
        implementers=("GIZ",),
        beneficiaries=("AL", "BA", "XK", "ME", "MK", "RS", "REG"),
        support_type="technical_assistance",
        instrument="Bilateral",
        starts_on="2023-07-01",
        ends_on="2027-06-30",
        budget_amount="9500000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
        external_reference="DE-1-202221441",
    ),
    DemoResponse(
        key="R-26",
        owner="DE-BMI",
        title="Financial Investigations and Asset Recovery in the Western Balkans",
        description=(
            "Technical assistance to police, prosecutors and asset recovery offices on parallel "
            "financial investigations, asset tracing and legal harmonisation on confiscation."
        ),
        pillars=("WBCSCi",),
        donors=("DE-BMI",),
        implementers=("GIZ",),
        beneficiaries=("BA", "ME", "MK", "RS"),
        support_type="technical_assistance",
        instrument="Bilateral",
        starts_on="2021-01-01",
        ends_on="2024-12-31",
        budget_amount="4000000.00",
        budget_currency="EUR",
        implementation_status="completed",
        record_status="published",
        visibility="members",
        external_reference="DE-1-201922318",
    ),
    DemoResponse(
        key="R-27",
        owner="DE-BMI",
        title="Exchange on Online Radicalisation and Terrorist Content",
        description=(
            "Workshops with German federal police experts on identifying online terrorist "
            "content, referral to platforms and investigations of online radicalisation."
        ),
        pillars=("WBCTi",),
        donors=("DE-BMI",),
        implementers=("DE-BMI",),
        beneficiaries=("RS", "BA", "XK"),
        support_type="training",
        instrument="Bilateral",
        starts_on="2022-01-01",
        ends_on="2023-12-31",
        budget_amount="260000.00",
        budget_currency="EUR",
        implementation_status="completed",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-28",
        owner="DE-BMI",
        title="Cybercrime Investigations Support for Serbia and Bosnia and Herzegovina",
        description=(
            "Planned support to cybercrime units on digital forensics, electronic evidence and "
            "cooperation with service providers."
        ),
        pillars=("WBCSCi",),
        donors=("DE-BMI",),
        implementers=("GIZ",),
        beneficiaries=("RS", "BA"),
        support_type="technical_assistance",
        instrument="Bilateral",
        starts_on="2027-01-15",
        ends_on="2029-01-14",
        budget_amount="1800000.00",
        budget_currency="EUR",
        implementation_status="planned",
        record_status="draft",
        visibility="members",
    ),
    DemoResponse(
        key="R-29",
        owner="OSCE",
        title="Community Policing Approaches to Preventing Violent Extremism",
        description=(
            "Support to local police and municipalities to set up and run community safety "
            "structures that address radicalisation. Implemented through the OSCE field "
            "operations in the region."
        ),
        pillars=("WBCTi",),
        donors=("OSCE",),
        implementers=("OSCE",),
        beneficiaries=("AL", "BA", "XK", "ME", "MK", "RS"),
        support_type="technical_assistance",
        instrument="OSCE Unified Budget",
        starts_on="2023-01-01",
        ends_on="2026-12-31",
        budget_amount="1350000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-30",
        owner="OSCE",
        title=(
            "Combating Trafficking in Human Beings and Migrant Smuggling in Mixed Migration Flows"
        ),
        description=(
            "Training and simulation exercises for police, border police, prosecutors and social "
            "services on identifying victims of trafficking among migrants and investigating "
            "smuggling networks."
        ),
        pillars=("WBCSCi", "WBBSi"),
        donors=("OSCE", "DE-BMI"),
        implementers=("OSCE",),
        beneficiaries=("AL", "BA", "XK", "ME", "MK", "RS", "REG"),
        support_type="training",
        instrument="OSCE Extra-Budgetary Project",
        starts_on="2024-03-01",
        ends_on="2027-02-28",
        budget_amount="1900000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-31",
        owner="OSCE",
        title="SALW and Conventional Ammunition Stockpile Security in Serbia and Montenegro",
        description=(
            "Upgrade of storage sites for small arms, light weapons and ammunition, with "
            "training on stockpile management and destruction of surplus weapons."
        ),
        pillars=("WBCSCi",),
        donors=("Federal Foreign Office of Germany", "Ministry of Foreign Affairs of Norway"),
        implementers=("OSCE",),
        beneficiaries=("RS", "ME"),
        support_type="equipment",
        instrument="OSCE Extra-Budgetary Project",
        starts_on="2020-06-01",
        ends_on="2024-05-31",
        budget_amount="3200000.00",
        budget_currency="EUR",
        implementation_status="completed",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-32",
        owner="OSCE",
        title="Capacity Building on Cybercrime Investigations in South-Eastern Europe",
        description=(
            "Training of police investigators, prosecutors and judges on cybercrime, electronic "
            "evidence and cryptocurrency investigations."
        ),
        pillars=("WBCSCi",),
        donors=("OSCE",),
        implementers=("OSCE",),
        beneficiaries=("AL", "BA", "XK", "ME", "MK", "RS"),
        support_type="training",
        instrument="OSCE Unified Budget",
        starts_on="2025-01-01",
        ends_on="2027-12-31",
        budget_amount="820000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-33",
        owner="OSCE",
        title="Intelligence-Led Policing in North Macedonia",
        description=(
            "Support to the Bureau for Public Security to introduce intelligence-led policing, "
            "including analysis software, training of analysts and a national threat assessment."
        ),
        pillars=("WBCSCi",),
        donors=("OSCE",),
        implementers=("OSCE",),
        beneficiaries=("MK",),
        support_type="technical_assistance",
        instrument="OSCE Unified Budget",
        starts_on="2019-01-01",
        ends_on="2022-12-31",
        budget_amount="560000.00",
        budget_currency="EUR",
        implementation_status="completed",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-34",
        owner="UNODC",
        title="Container Control Programme – Western Balkans Port Control Units",
        description=(
            "Establishment and training of joint port control units of police and customs in "
            "seaports and inland terminals. The units learn risk profiling and exchange alerts "
            "with units in other ports worldwide."
        ),
        pillars=("WBCSCi", "WBBSi"),
        donors=("NL-MJV", "US Department of State"),
        implementers=("UNODC", "World Customs Organization"),
        beneficiaries=("AL", "ME", "RS"),
        support_type="training",
        instrument="UNODC Global Programme",
        starts_on="2021-01-01",
        ends_on="2027-12-31",
        budget_amount="2700000.00",
        budget_currency="USD",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-35",
        owner="UNODC",
        title="Global Firearms Programme – Western Balkans Component",
        description=(
            "Legislative assistance on firearms laws, marking and record-keeping, and training "
            "on investigating firearms trafficking."
        ),
        pillars=("WBCSCi",),
        donors=("EC-NEAR", "DE-BMI"),
        implementers=("UNODC",),
        beneficiaries=("AL", "BA", "XK", "ME", "MK", "RS", "REG"),
        support_type="legislative_advice",
        instrument="UNODC Global Programme",
        starts_on="2022-04-01",
        ends_on="2026-03-31",
        budget_amount="1450000.00",
        budget_currency="USD",
        implementation_status="completed",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-36",
        owner="UNODC",
        title="Managing Violent Extremist Prisoners and Preventing Radicalisation in Prisons",
        description=(
            "Support to prison and probation services on risk assessment, disengagement "
            "programmes and release planning for violent extremist offenders."
        ),
        pillars=("WBCTi",),
        donors=("EC-NEAR",),
        implementers=("UNODC",),
        beneficiaries=("AL", "BA", "XK", "MK"),
        support_type="technical_assistance",
        instrument="UNODC Global Programme",
        starts_on="2024-09-01",
        ends_on="2027-08-31",
        budget_amount="1100000.00",
        budget_currency="USD",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-37",
        owner="UNODC",
        title="Follow-up to MONEYVAL Recommendations on Money Laundering and Terrorist Financing",
        description=(
            "Legislative advice and training to help authorities act on MONEYVAL "
            "recommendations, including financial investigations, confiscation and targeted "
            "financial sanctions."
        ),
        pillars=("WBCSCi", "WBCTi"),
        donors=("UK-HO",),
        implementers=("UNODC",),
        beneficiaries=("AL", "BA", "ME", "MK", "RS"),
        support_type="legislative_advice",
        instrument="UNODC Global Programme",
        starts_on="2023-10-01",
        ends_on="2026-09-30",
        budget_amount="980000.00",
        budget_currency="USD",
        implementation_status="completed",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-38",
        owner="UNODC",
        title="AIRCOP – Airport Communication Project in the Western Balkans",
        description=(
            "Joint airport interdiction task forces at international airports, connected to the "
            "AIRCOP communication network, to detect drug couriers and high-risk passengers."
        ),
        pillars=("WBBSi", "WBCSCi"),
        donors=("EC-NEAR",),
        implementers=("UNODC", "INTERPOL", "World Customs Organization"),
        beneficiaries=("AL", "ME", "MK", "RS"),
        support_type="training",
        instrument="UNODC Global Programme",
        starts_on="2027-01-01",
        ends_on="2029-12-31",
        budget_amount="1600000.00",
        budget_currency="USD",
        implementation_status="planned",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-39",
        owner="IOM",
        title="Protection-Sensitive Border and Migration Management",
        description=(
            "Support to border police and migration services on registration, screening and "
            "referral of vulnerable migrants, including equipment for border surveillance."
        ),
        pillars=("WBBSi",),
        donors=("EC-NEAR",),
        implementers=("IOM", "UNHCR"),
        beneficiaries=("AL", "BA", "XK", "ME", "MK", "RS"),
        support_type="technical_assistance",
        instrument="IPA II",
        starts_on="2021-01-01",
        ends_on="2025-06-30",
        budget_amount="5400000.00",
        budget_currency="EUR",
        implementation_status="completed",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-40",
        owner="IOM",
        title="Countering Trafficking in Human Beings in Mixed Migration Flows",
        description=(
            "Capacity building for law enforcement and social services to identify and assist "
            "victims of trafficking among migrants and to investigate trafficking networks."
        ),
        pillars=("WBCSCi",),
        donors=("CH-FDFA",),
        implementers=("IOM",),
        beneficiaries=("BA", "ME", "MK", "RS"),
        support_type="technical_assistance",
        instrument="Bilateral",
        starts_on="2024-05-01",
        ends_on="2027-04-30",
        budget_amount="1200000.00",
        budget_currency="CHF",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-41",
        owner="IOM",
        title="Reintegration of Returnees from Conflict Zones and their Families",
        description=(
            "Individual reintegration support, psychosocial assistance and livelihood support "
            "for returnees from Syria and Iraq, delivered with centres for social work and "
            "municipalities."
        ),
        pillars=("WBCTi",),
        donors=("US Department of State",),
        implementers=("IOM",),
        beneficiaries=("AL", "BA", "XK", "MK"),
        support_type="technical_assistance",
        instrument="Bilateral",
        starts_on="2020-02-01",
        ends_on="2026-12-31",
        budget_amount="2200000.00",
        budget_currency="USD",
        implementation_status="ongoing",
        record_status="published",
        visibility="restricted",
    ),
    DemoResponse(
        key="R-42",
        owner="IOM",
        title="Identity Management and Document Examination Support",
        description=(
            "Planned supply of document examination equipment and training on identity "
            "management for border and migration services."
        ),
        pillars=("WBBSi",),
        donors=("EC-NEAR",),
        implementers=("IOM",),
        beneficiaries=("REG",),
        support_type="equipment",
        instrument="IPA III",
        starts_on="2027-03-01",
        ends_on="2029-02-28",
        budget_amount="2000000.00",
        budget_currency="EUR",
        implementation_status="planned",
        record_status="draft",
        visibility="members",
    ),
    DemoResponse(
        key="R-43",
        owner="FRONTEX",
        title="Western Balkans Border Management Capacity Building Programme",
        description=(
            "Regional programme that aligns border police training, risk analysis and border "
            "surveillance with EU standards. It includes CIRAM training and support to national "
            "coordination centres."
        ),
        pillars=("WBBSi",),
        donors=("EC-NEAR",),
        implementers=("FRONTEX",),
        beneficiaries=("AL", "BA", "XK", "ME", "MK", "RS"),
        support_type="training",
        instrument="IPA III",
        starts_on="2024-01-01",
        ends_on="2027-12-31",
        budget_amount="5800000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-44",
        owner="FRONTEX",
        title="Joint Operations: Situational Awareness and EUROSUR Interoperability",
        description=(
            "Operational support under status agreements, with deployed standing corps officers, "
            "and work on exchanging situational pictures with EUROSUR."
        ),
        pillars=("WBBSi",),
        donors=("FRONTEX",),
        implementers=("FRONTEX",),
        beneficiaries=("AL", "ME", "MK", "RS"),
        support_type="other",
        instrument="Frontex operational budget",
        starts_on="2023-04-01",
        ends_on="2027-03-31",
        budget_amount=None,
        budget_currency=None,
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-45",
        owner="FRONTEX",
        title="Risk Analysis Training under the Western Balkans Risk Analysis Network",
        description=(
            "Courses and joint analytical products for analysts of the border police services in "
            "the region."
        ),
        pillars=("WBBSi",),
        donors=("EC-NEAR",),
        implementers=("FRONTEX",),
        beneficiaries=("REG",),
        support_type="training",
        instrument="IPA II",
        starts_on="2021-05-01",
        ends_on="2023-04-30",
        budget_amount="400000.00",
        budget_currency="EUR",
        implementation_status="completed",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-46",
        owner="CEPOL",
        title="WB PaCT – Western Balkans Partnership against Crime and Terrorism",
        description=(
            "Training needs assessment and training activities for law enforcement officials on "
            "serious and organised crime and counter-terrorism."
        ),
        pillars=("WBCTi", "WBCSCi"),
        donors=("EC-NEAR",),
        implementers=("CEPOL",),
        beneficiaries=("REG",),
        support_type="training",
        instrument="IPA II",
        starts_on="2020-04-01",
        ends_on="2024-03-31",
        budget_amount="3000000.00",
        budget_currency="EUR",
        implementation_status="completed",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-47",
        owner="CEPOL",
        title="Cybercrime and E-Evidence Training Cycle for Western Balkans Law Enforcement",
        description=(
            "Residential and online courses on cybercrime investigations, digital forensics and "
            "cross-border requests for electronic evidence."
        ),
        pillars=("WBCSCi",),
        donors=("EC-NEAR",),
        implementers=("CEPOL",),
        beneficiaries=("REG",),
        support_type="training",
        instrument="IPA III",
        starts_on="2024-10-01",
        ends_on="2027-09-30",
        budget_amount="1250000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-48",
        owner="CEPOL",
        title="CEPOL Exchange Programme – Western Balkans Strand",
        description=(
            "Exchanges of law enforcement officers between the Western Balkans and EU Member "
            "States in all three areas of the IISG."
        ),
        pillars=("WBCTi", "WBCSCi", "WBBSi"),
        donors=("EC-NEAR",),
        implementers=("CEPOL",),
        beneficiaries=("REG",),
        support_type="training",
        instrument="IPA III",
        starts_on="2025-01-01",
        ends_on="2026-12-31",
        budget_amount="600000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-49",
        owner="CH-FDFA",
        title="Preventing Violent Extremism through Community Resilience",
        description=(
            "Small grants and training for municipalities, schools and civil society to prevent "
            "radicalisation and support the reintegration of returnees."
        ),
        pillars=("WBCTi",),
        donors=("CH-FDFA",),
        implementers=("Hedayah", "DCAF"),
        beneficiaries=("BA", "XK", "MK"),
        support_type="technical_assistance",
        instrument="Bilateral",
        starts_on="2022-03-01",
        ends_on="2026-02-28",
        budget_amount="2400000.00",
        budget_currency="CHF",
        implementation_status="completed",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-50",
        owner="CH-FDFA",
        title="Financial Intelligence and Asset Recovery Partnership",
        description=(
            "Advice and training on asset tracing, virtual assets and cooperation between "
            "financial intelligence units, police and asset recovery offices."
        ),
        pillars=("WBCSCi",),
        donors=("CH-FDFA",),
        implementers=("Basel Institute on Governance",),
        beneficiaries=("AL", "XK", "RS"),
        support_type="technical_assistance",
        instrument="Bilateral",
        starts_on="2025-06-01",
        ends_on="2028-05-31",
        budget_amount="1750000.00",
        budget_currency="CHF",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-51",
        owner="UK-HO",
        title="Organised Immigration Crime Taskforce Support",
        description=(
            "Joint work with the Albanian State Police against organised immigration crime, "
            "including investigative mentoring and disruption of smuggling networks."
        ),
        pillars=("WBCSCi", "WBBSi"),
        donors=("UK-HO",),
        implementers=("UK-HO", "National Crime Agency"),
        beneficiaries=("AL",),
        support_type="technical_assistance",
        instrument="Bilateral",
        starts_on="2023-04-01",
        ends_on="2027-03-31",
        budget_amount="3000000.00",
        budget_currency="GBP",
        implementation_status="ongoing",
        record_status="published",
        visibility="restricted",
    ),
    DemoResponse(
        key="R-52",
        owner="UK-HO",
        title="Western Balkans Serious and Organised Crime Programme",
        description=(
            "Programme supporting investigations into high-harm organised crime groups, "
            "financial investigations and international cooperation."
        ),
        pillars=("WBCSCi",),
        donors=("UK-HO",),
        implementers=("UK-HO", "National Crime Agency"),
        beneficiaries=("AL", "BA", "XK", "MK"),
        support_type="technical_assistance",
        instrument="Bilateral",
        starts_on="2024-04-01",
        ends_on="2028-03-31",
        budget_amount="4500000.00",
        budget_currency="GBP",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-53",
        owner="NL-MJV",
        title="Cooperation on Cocaine Trafficking through Container Ports",
        description=(
            "Exchange between Dutch port police and port control units on container targeting, "
            "insider threats in ports and joint investigations."
        ),
        pillars=("WBCSCi",),
        donors=("NL-MJV",),
        implementers=("NL-MJV",),
        beneficiaries=("ME", "AL"),
        support_type="technical_assistance",
        instrument="Bilateral",
        starts_on="2025-02-01",
        ends_on="2027-01-31",
        budget_amount="850000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-54",
        owner="AL-MOI",
        title="Joint Border Controls with North Macedonia at Qafë Thanë–Kjafasan",
        description=(
            "Bilateral project of the two ministries to introduce joint controls at the "
            "crossing, with shared facilities and common procedures."
        ),
        pillars=("WBBSi",),
        donors=("AL-MOI", "MK-MOI"),
        implementers=("AL-MOI", "MK-MOI"),
        beneficiaries=("AL", "MK"),
        support_type="other",
        instrument="Bilateral",
        starts_on="2024-05-01",
        ends_on="2026-04-30",
        budget_amount="320000.00",
        budget_currency="EUR",
        implementation_status="completed",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-55",
        owner="MK-MOI",
        title="Regional Exchange Forum on Reintegration of Returnees",
        description=(
            "Regional meetings of practitioners working with returnees from conflict zones, "
            "hosted by the Ministry of Interior of North Macedonia, to share case management "
            "practice."
        ),
        pillars=("WBCTi",),
        donors=("MK-MOI",),
        implementers=("MK-MOI",),
        beneficiaries=("REG",),
        support_type="other",
        instrument="National budget",
        starts_on="2026-03-01",
        ends_on="2027-02-28",
        budget_amount="85000.00",
        budget_currency="EUR",
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
    DemoResponse(
        key="R-56",
        owner="RS-MOI",
        title="Joint Patrols with North Macedonia on the Southern Border",
        description=(
            "Joint patrols of the border police services on the southern border, with agreed "
            "equipment standards and exchange of situational information."
        ),
        pillars=("WBBSi",),
        donors=("RS-MOI",),
        implementers=("RS-MOI", "MK-MOI"),
        beneficiaries=("RS", "MK"),
        support_type="other",
        instrument="Bilateral",
        starts_on="2025-06-01",
        ends_on=None,
        budget_amount=None,
        budget_currency=None,
        implementation_status="ongoing",
        record_status="published",
        visibility="members",
    ),
)

LINKS: tuple[DemoLink, ...] = (
    DemoLink(
        response="R-02",
        need="AL-21-SC-02",
        coverage="partial",
        status="validated",
        note=(
            "Seconded experts helped the Asset Recovery Office set up tracing procedures, but "
            "register access was outside the scope of the action."
        ),
    ),
    DemoLink(
        response="R-19",
        need="AL-21-SC-02",
        coverage="partial",
        status="validated",
        note="Asset Recovery Office staff attended the courses on asset tracing and confiscation.",
    ),
    DemoLink(
        response="R-12",
        need="AL-21-BS-03",
        coverage="partial",
        status="validated",
        note=(
            "Operators of thermal surveillance equipment on the green border were trained, "
            "without supplying new systems."
        ),
    ),
    DemoLink(
        response="R-39",
        need="AL-21-BS-03",
        coverage="partial",
        status="validated",
        note="Two vehicle-mounted thermal cameras were delivered for the border with Greece.",
    ),
    DemoLink(
        response="R-54",
        need="AL-21-BS-03",
        coverage="partial",
        status="confirmed",
        note=(
            "Joint controls with North Macedonia free patrol capacity on the eastern border "
            "section."
        ),
    ),
    DemoLink(
        response="R-34",
        need="AL-21-SC-04",
        coverage="full",
        status="validated",
        note=(
            "Port control units were set up in Durrës and Vlora and trained in container profiling."
        ),
    ),
    DemoLink(
        response="R-18",
        need="AL-21-SC-04",
        coverage="partial",
        status="confirmed",
        note="Italian anti-drug services share risk indicators with the port control units.",
    ),
    DemoLink(
        response="R-41",
        need="BA-21-CT-01",
        coverage="partial",
        status="validated",
        note=(
            "Returnee families receive individual reintegration and psychosocial support through "
            "centres for social work."
        ),
    ),
    DemoLink(
        response="R-49",
        need="BA-21-CT-01",
        coverage="partial",
        status="validated",
        note="Grants to municipalities financed local multi-agency teams for returnees.",
    ),
    DemoLink(
        response="R-14",
        need="BA-21-CT-01",
        coverage="partial",
        status="confirmed",
        note="Prison staff learned to plan the release of convicted returnees.",
    ),
    DemoLink(
        response="R-26",
        need="BA-21-SC-02",
        coverage="partial",
        status="validated",
        note=(
            "Legal experts drafted harmonised provisions on financial investigations for the "
            "state level and the entities."
        ),
    ),
    DemoLink(
        response="R-37",
        need="BA-21-SC-02",
        coverage="partial",
        status="confirmed",
        note="Legislative advice on extended confiscation followed the MONEYVAL recommendations.",
    ),
    DemoLink(
        response="R-09",
        need="BA-21-BS-03",
        coverage="full",
        status="validated",
        note=(
            "Thermal cameras, night-vision equipment and boats were supplied for the Drina "
            "sections."
        ),
    ),
    DemoLink(
        response="R-12",
        need="BA-21-BS-03",
        coverage="partial",
        status="validated",
        note=(
            "Border Police officers from the eastern field offices were trained in border "
            "surveillance."
        ),
    ),
    DemoLink(
        response="R-41",
        need="XK-21-CT-01",
        coverage="partial",
        status="validated",
        note=(
            "Reintegration assistance is delivered together with the Division and municipal "
            "coordinators."
        ),
    ),
    DemoLink(
        response="R-49",
        need="XK-21-CT-01",
        coverage="partial",
        status="validated",
        note="Municipal coordinators were trained and local prevention plans were funded.",
    ),
    DemoLink(
        response="R-02",
        need="XK-21-SC-02",
        coverage="partial",
        status="validated",
        note="Regional analysts were trained and a threat assessment methodology was introduced.",
    ),
    DemoLink(
        response="R-25",
        need="XK-21-SC-02",
        coverage="partial",
        status="confirmed",
        note="The programme supplies common analysis standards and training for regional analysts.",
    ),
    DemoLink(
        response="R-13",
        need="XK-21-BS-03",
        coverage="full",
        status="validated",
        note=(
            "Document experts trained second-line examiners and gave access to a reference "
            "database."
        ),
    ),
    DemoLink(
        response="R-39",
        need="XK-21-BS-03",
        coverage="partial",
        status="validated",
        note="Document readers were delivered to the main land crossings.",
    ),
    DemoLink(
        response="R-34",
        need="ME-21-SC-01",
        coverage="partial",
        status="validated",
        note="A joint port control unit was established in Bar and trained in container profiling.",
    ),
    DemoLink(
        response="R-18",
        need="ME-21-SC-01",
        coverage="partial",
        status="validated",
        note=(
            "Italian services support the Bar unit with risk indicators and controlled deliveries."
        ),
    ),
    DemoLink(
        response="R-53",
        need="ME-21-SC-01",
        coverage="partial",
        status="confirmed",
        note="Dutch port police share targeting methods with the port control unit in Bar.",
    ),
    DemoLink(
        response="R-04",
        need="ME-21-SC-02",
        coverage="full",
        status="validated",
        note=(
            "The twinning staffed the Asset Recovery Office and formalised its cooperation with "
            "the Special State Prosecutor's Office."
        ),
    ),
    DemoLink(
        response="R-26",
        need="ME-21-SC-02",
        coverage="partial",
        status="validated",
        note="Investigators were trained on asset tracing in parallel financial investigations.",
    ),
    DemoLink(
        response="R-29",
        need="MK-21-CT-01",
        coverage="partial",
        status="validated",
        note="Local police officers were trained to take part in community action teams.",
    ),
    DemoLink(
        response="R-49",
        need="MK-21-CT-01",
        coverage="partial",
        status="validated",
        note="Grants financed the activities of community action teams in four municipalities.",
    ),
    DemoLink(
        response="R-05",
        need="MK-21-SC-02",
        coverage="full",
        status="validated",
        note="The twinning designs the Passenger Information Unit and trains its analysts.",
    ),
    DemoLink(
        response="R-43",
        need="MK-21-BS-03",
        coverage="partial",
        status="validated",
        note=(
            "Frontex advised on the design of the National Coordination Centre and trained its "
            "staff."
        ),
    ),
    DemoLink(
        response="R-26",
        need="RS-21-SC-02",
        coverage="full",
        status="validated",
        note=(
            "Financial investigators of the Service were trained and supplied with analysis "
            "software."
        ),
    ),
    DemoLink(
        response="R-02",
        need="RS-21-SC-02",
        coverage="partial",
        status="validated",
        note="Seconded experts mentored financial investigators in ongoing cases.",
    ),
    DemoLink(
        response="R-35",
        need="RS-21-SC-03",
        coverage="partial",
        status="validated",
        note=(
            "UNODC provided a correlation table and comments on the draft Law on Weapons and "
            "Ammunition."
        ),
    ),
    DemoLink(
        response="R-07",
        need="RS-21-SC-03",
        coverage="partial",
        status="validated",
        note="The action financed legal drafting on marking and deactivation rules.",
    ),
    DemoLink(
        response="R-31",
        need="RS-21-SC-03",
        coverage="partial",
        status="disputed",
        note=(
            "The partner considers that stockpile security does not address the legislative "
            "alignment requested."
        ),
    ),
    DemoLink(
        response="R-30",
        need="RS-21-BS-04",
        coverage="partial",
        status="validated",
        note=(
            "Mobile unit officers were trained to interview smuggled migrants and identify "
            "victims of trafficking."
        ),
    ),
    DemoLink(
        response="R-39",
        need="RS-21-BS-04",
        coverage="partial",
        status="validated",
        note="Vehicles and heartbeat detectors were delivered to two mobile units.",
    ),
    DemoLink(
        response="R-50",
        need="AL-26-SC-04",
        coverage="partial",
        status="confirmed",
        note="The partnership trains Asset Recovery Office staff in tracing virtual assets.",
    ),
    DemoLink(
        response="R-23",
        need="AL-26-SC-05",
        coverage="partial",
        status="confirmed",
        note="French services support joint investigation teams and secure communications.",
    ),
    DemoLink(
        response="R-53",
        need="AL-26-SC-05",
        coverage="partial",
        status="proposed",
        note=(
            "Dutch investigators propose to join joint investigation teams on port-related "
            "cocaine cases."
        ),
    ),
    DemoLink(
        response="R-52",
        need="AL-26-SC-05",
        coverage="partial",
        status="proposed",
        note="The programme can fund travel and interpretation for joint investigation teams.",
    ),
    DemoLink(
        response="R-44",
        need="AL-26-BS-07",
        coverage="full",
        status="confirmed",
        note="Frontex supports the exchange of the national situational picture with EUROSUR.",
    ),
    DemoLink(
        response="R-20",
        need="AL-26-BS-07",
        coverage="partial",
        status="validated",
        note="Coastal surveillance cameras feed data into the National Coordination Centre.",
    ),
    DemoLink(
        response="R-03",
        need="AL-26-BS-07",
        coverage="partial",
        status="proposed",
        note="The action can finance rules of procedure and training for the Centre's staff.",
    ),
    DemoLink(
        response="R-10",
        need="BA-26-CT-01",
        coverage="partial",
        status="confirmed",
        note="The second phase pays local case managers while municipalities prepare budget lines.",
    ),
    DemoLink(
        response="R-41",
        need="BA-26-CT-01",
        coverage="partial",
        status="confirmed",
        note="Reintegration assistance continues for families in the pilot municipalities.",
    ),
    DemoLink(
        response="R-36",
        need="BA-26-CT-01",
        coverage="partial",
        status="proposed",
        note=(
            "Release planning for persons convicted of terrorism offences is part of the prison "
            "component."
        ),
    ),
    DemoLink(
        response="R-09",
        need="BA-26-BS-06",
        coverage="full",
        status="validated",
        note="The supply contract covers further thermal cameras, boats and maintenance.",
    ),
    DemoLink(
        response="R-43",
        need="BA-26-BS-06",
        coverage="partial",
        status="confirmed",
        note="Operators receive refresher training on surveillance equipment and image sharing.",
    ),
    DemoLink(
        response="R-10",
        need="XK-26-CT-01",
        coverage="partial",
        status="confirmed",
        note=(
            "The action supports local referral mechanisms and training of municipal coordinators."
        ),
    ),
    DemoLink(
        response="R-41",
        need="XK-26-CT-01",
        coverage="partial",
        status="confirmed",
        note="Released offenders and their families receive individual reintegration support.",
    ),
    DemoLink(
        response="R-55",
        need="XK-26-CT-01",
        coverage="partial",
        status="proposed",
        note="Practitioners from the Division share exit programme practice at the regional forum.",
    ),
    DemoLink(
        response="R-17",
        need="XK-26-SC-04",
        coverage="partial",
        status="confirmed",
        note="Slovenian experts advise the witness protection unit on implementing rules.",
    ),
    DemoLink(
        response="R-13",
        need="XK-26-BS-06",
        coverage="partial",
        status="confirmed",
        note=(
            "The network trains second-line examiners and gives access to an up-to-date "
            "reference database."
        ),
    ),
    DemoLink(
        response="R-03",
        need="XK-26-BS-06",
        coverage="partial",
        status="proposed",
        note="The action could finance document examination equipment for two crossings.",
    ),
    DemoLink(
        response="R-18",
        need="ME-26-SC-01",
        coverage="partial",
        status="confirmed",
        note="Italian services help the unit build risk profiles for containers.",
    ),
    DemoLink(
        response="R-53",
        need="ME-26-SC-01",
        coverage="partial",
        status="confirmed",
        note="Dutch port police exchange targeting profiles with the unit in Bar.",
    ),
    DemoLink(
        response="R-34",
        need="ME-26-SC-01",
        coverage="full",
        status="validated",
        note="The programme supplies risk profiling software and training for the Bar unit.",
    ),
    DemoLink(
        response="R-44",
        need="ME-26-BS-06",
        coverage="partial",
        status="confirmed",
        note="Frontex supports the exchange of the maritime situational picture with EUROSUR.",
    ),
    DemoLink(
        response="R-05",
        need="MK-26-SC-01",
        coverage="full",
        status="validated",
        note=(
            "The twinning connects air carriers, trains analysts and reviews data protection "
            "safeguards."
        ),
    ),
    DemoLink(
        response="R-38",
        need="MK-26-SC-01",
        coverage="partial",
        status="proposed",
        note=(
            "The airport task forces will use passenger information for targeting at Skopje "
            "airport."
        ),
    ),
    DemoLink(
        response="R-29",
        need="MK-26-CT-02",
        coverage="partial",
        status="confirmed",
        note="The OSCE Mission advises municipalities on budgeting for community action teams.",
    ),
    DemoLink(
        response="R-17",
        need="MK-26-SC-04",
        coverage="partial",
        status="disputed",
        note=(
            "The partner notes that mentoring of the unit does not cover the legal amendments "
            "requested."
        ),
    ),
    DemoLink(
        response="R-47",
        need="MK-26-SC-05",
        coverage="partial",
        status="confirmed",
        note=(
            "Investigators attend courses on electronic evidence and requests to service providers."
        ),
    ),
    DemoLink(
        response="R-32",
        need="MK-26-SC-05",
        coverage="partial",
        status="confirmed",
        note="Courses cover cryptocurrency investigations for police and prosecutors.",
    ),
    DemoLink(
        response="R-50",
        need="RS-26-SC-01",
        coverage="partial",
        status="proposed",
        note=(
            "The partnership offers training on tracing virtual assets to financial investigators."
        ),
    ),
    DemoLink(
        response="R-25",
        need="RS-26-SC-01",
        coverage="partial",
        status="confirmed",
        note=(
            "The programme supports a joint procedure for parallel financial investigations with "
            "the prosecution."
        ),
    ),
    DemoLink(
        response="R-56",
        need="RS-26-BS-06",
        coverage="partial",
        status="confirmed",
        note="Joint patrols on the border with North Macedonia use the agreed equipment standards.",
    ),
    DemoLink(
        response="R-43",
        need="RS-26-BS-06",
        coverage="partial",
        status="confirmed",
        note="Mobile unit officers are trained in border surveillance on the southern section.",
    ),
    DemoLink(
        response="R-44",
        need="RS-26-BS-06",
        coverage="partial",
        status="proposed",
        note="Deployed standing corps officers can support mobile units on the southern border.",
    ),
    DemoLink(
        response="R-10",
        need="AL-26-CT-02",
        coverage="partial",
        status="proposed",
        note="The action can provide a case management tool and training of local coordinators.",
    ),
    DemoLink(
        response="R-43",
        need="BA-26-BS-07",
        coverage="partial",
        status="proposed",
        note="CIRAM training for analysts is offered under the programme.",
    ),
    DemoLink(
        response="R-36",
        need="XK-26-CT-02",
        coverage="partial",
        status="proposed",
        note="UNODC can introduce a validated risk assessment tool and train correctional staff.",
    ),
    DemoLink(
        response="R-36",
        need="MK-26-CT-03",
        coverage="partial",
        status="proposed",
        note="Prison and probation staff can be trained on risk assessment and release planning.",
    ),
    DemoLink(
        response="R-55",
        need="MK-26-CT-03",
        coverage="partial",
        status="proposed",
        note="The regional forum shares practice on probation for released returnees.",
    ),
    DemoLink(
        response="R-43",
        need="RS-26-BS-07",
        coverage="partial",
        status="proposed",
        note=(
            "The programme offers CIRAM training and support for contributions to the regional "
            "network."
        ),
    ),
)
